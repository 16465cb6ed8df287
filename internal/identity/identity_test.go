package identity

import (
	"errors"
	"strings"
	"testing"
	"time"

	"linli/internal/i18n"
)

// fixedNow pins "today" to 2025-06-01 in China for the duration of a test.
func fixedNow(t *testing.T) {
	t.Helper()
	old := now
	now = func() time.Time { return time.Date(2025, 6, 1, 9, 0, 0, 0, china) }
	resetToday()
	t.Cleanup(func() { now = old; resetToday() })
}

// withCheck appends the correct check character to 17 digits.
func withCheck(t *testing.T, body string) string {
	t.Helper()
	c, ok := CheckChar(body)
	if !ok {
		t.Fatalf("CheckChar(%q) not ok", body)
	}
	return body + string(c)
}

// asError asserts err is a validation *i18n.Error and returns it.
func asError(t *testing.T, err error) *i18n.Error {
	t.Helper()
	var e *i18n.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not *i18n.Error", err, err)
	}
	if e.Code != "validation" {
		t.Errorf("code %q, want validation", e.Code)
	}
	if msg := e.Error(); strings.Contains(msg, e.Msg.Key) || strings.Contains(msg, "{") {
		t.Errorf("message %q not rendered from the catalogue", msg)
	}
	return e
}

func TestParseIDGood(t *testing.T) {
	fixedNow(t)
	tests := []struct {
		name, in   string
		number     string
		birth, sex string
		region     string
		regionName string
		retired    bool
		upgraded   bool
	}{
		{"GB 11643 example", "11010519491231002X", "11010519491231002X", "1949-12-31", "F", "110105", "北京市朝阳区", false, false},
		{"born 1880 under a retired code", "440524188001010014", "440524188001010014", "1880-01-01", "M", "440524", "广东省汕头市潮阳县", true, false},
		{"lower-case x", "11010519491231002x", "11010519491231002X", "1949-12-31", "F", "110105", "北京市朝阳区", false, false},
		{"full width with spaces", " \u3000１１０１０５１９４９１２３１００２ｘ\t", "11010519491231002X", "1949-12-31", "F", "110105", "北京市朝阳区", false, false},
		{"full width X", "１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", "1949-12-31", "F", "110105", "北京市朝阳区", false, false},
		{"15 digits upgraded", "110105491231002", "11010519491231002X", "1949-12-31", "F", "110105", "北京市朝阳区", false, true},
		{"15 digits upgraded, digit check", "610104620927690", "610104196209276908", "1962-09-27", "F", "610104", "陕西省西安市莲湖区", false, true},
		{"retired district 宣武区", withCheck(t, "11010419850615021"), withCheck(t, "11010419850615021"), "1985-06-15", "M", "110104", "北京市宣武区", true, false},
		{"retired 江苏省淮安市清河区", withCheck(t, "32080219900101002"), withCheck(t, "32080219900101002"), "1990-01-01", "F", "320802", "江苏省淮安市清河区", true, false},
		{"prefecture-level code without counties", withCheck(t, "44190020000229001"), withCheck(t, "44190020000229001"), "2000-02-29", "M", "441900", "广东省东莞市", false, false},
		{"born today", withCheck(t, "11010220250601001"), withCheck(t, "11010220250601001"), "2025-06-01", "M", "110102", "北京市西城区", false, false},
		{"zero-width space from a web page", "\u200b11010519491231002X\ufeff", "11010519491231002X", "1949-12-31", "F", "110105", "北京市朝阳区", false, false},
		// Numbers typed in groups, as people read them out.
		{"space inside", "110105 19491231002X", "11010519491231002X", "1949-12-31", "F", "110105", "北京市朝阳区", false, false},
		{"groups with spaces around", " 110105 194912310 02X ", "11010519491231002X", "1949-12-31", "F", "110105", "北京市朝阳区", false, false},
		{"dashes inside", "110105-19491231-002X", "11010519491231002X", "1949-12-31", "F", "110105", "北京市朝阳区", false, false},
		{"ideographic and no-break spaces inside", "110105\u300019491231\u00a0002x", "11010519491231002X", "1949-12-31", "F", "110105", "北京市朝阳区", false, false},
		{"full-width digits and hyphen inside", "１１０１０５－１９４９１２３１００２ｘ", "11010519491231002X", "1949-12-31", "F", "110105", "北京市朝阳区", false, false},
		{"en dash and narrow no-break space", "110105\u201319491231\u202f002X", "11010519491231002X", "1949-12-31", "F", "110105", "北京市朝阳区", false, false},
		{"15 digits in groups", "610104 620927 690", "610104196209276908", "1962-09-27", "F", "610104", "陕西省西安市莲湖区", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := ParseID(tc.in)
			if err != nil {
				t.Fatalf("ParseID(%q): %v", tc.in, err)
			}
			want := ID{Number: tc.number, BirthDate: tc.birth, Sex: tc.sex, RegionCode: tc.region,
				RegionName: tc.regionName, RegionRetired: tc.retired, Upgraded: tc.upgraded}
			if *id != want {
				t.Errorf("ParseID(%q)\n got %+v\nwant %+v", tc.in, *id, want)
			}
			// The canonical number parses to itself.
			again, err := ParseID(id.Number)
			if err != nil || again.Number != id.Number || again.Upgraded {
				t.Errorf("re-parse of %s: %+v, %v", id.Number, again, err)
			}
		})
	}
}

func TestParseIDBad(t *testing.T) {
	fixedNow(t)
	tests := []struct {
		name, in string
		key      string
		text     string // the exact message, when the test pins it
	}{
		{"empty", "", "err.required", "请填写“身份证号”"},
		{"blank", "  \u3000 ", "err.required", ""},
		{"17 digits", "11010519491231002", "identity.id_length", "身份证号应为 18 位（或 15 位旧号码），现为 17 位"},
		{"16 digits", "1101051949123100", "identity.id_length", ""},
		{"19 characters", "11010519491231002X1", "identity.id_length", ""},
		{"20 digits", "11010519491231002011", "identity.id_length", ""},
		{"letter inside", "11010519491231002A", "identity.id_chars", "身份证号只能由数字组成（最后一位可以是 X），其中有无法识别的字符：第 18 位“A”"},
		{"dot inside", "110105.19491231002X", "identity.id_chars", "身份证号只能由数字组成（最后一位可以是 X），其中有无法识别的字符：第 7 位“.”"},
		{"underscore between groups", "110105_19491231002X", "identity.id_chars", ""},
		{"letter O for zero between groups", "110105 1949123lOO2X", "identity.id_chars", ""},
		{"space inside, too short", "110105 1949123100", "identity.id_length", ""},
		{"X not last", "1101051949123100X2", "identity.id_x_position", "身份证号只有最后一位可以是 X"},
		{"X in a 15-digit number", "11010549123100X", "identity.id_x_position", ""},
		{"excel scientific", "1.10105E+17", "identity.id_excel", ""},
		{"excel scientific lower", "1.10105e17", "identity.id_excel", ""},
		{"unknown region", withCheck(t, "99999919491231002"), "identity.id_region", "身份证号前 6 位 999999 不是有效的行政区划代码"},
		{"unknown region 000000", withCheck(t, "00000019491231002"), "identity.id_region", ""},
		{"HMT number as citizen", "810000199408230021", "identity.id_is_hmt", "身份证号前 6 位为 810000，这是港澳台居民居住证的号码，请将证件类型选为“港澳台居民居住证”"},
		{"Taiwan permit as citizen", "830000199201300022", "identity.id_is_hmt", ""},
		{"not a permit prefix either", withCheck(t, "81000119940823002"), "identity.id_region", ""},
		{"month 13", withCheck(t, "11010519491331002"), "identity.id_date_invalid", "身份证号中的出生日期 19491331 不存在"},
		{"day 00", withCheck(t, "11010519490100002"), "identity.id_date_invalid", ""},
		{"31 April", withCheck(t, "11010519490431002"), "identity.id_date_invalid", ""},
		{"29 Feb 1900, not a leap year", withCheck(t, "11010519000229002"), "identity.id_date_invalid", ""},
		{"29 Feb 2023", withCheck(t, "11010520230229002"), "identity.id_date_invalid", ""},
		{"15 digits, bad date", "110105491331002", "identity.id_date_invalid", "身份证号中的出生日期 19491331 不存在"},
		{"before 1800", withCheck(t, "11010517991231002"), "identity.id_date_early", ""},
		{"tomorrow", withCheck(t, "11010220250602001"), "identity.id_date_future", "身份证号中的出生日期 20250602 晚于今天，请核对号码"},
		{"far future", withCheck(t, "11010220990101001"), "identity.id_date_future", ""},
		{"wrong check digit", "110105194912310021", "identity.id_check", "身份证号校验位不正确（按前 17 位计算应为 X），请逐位核对号码是否抄错"},
		{"digits swapped into the year", "11010591491231002X", "identity.id_date_future", ""},
		{"one digit mistyped", "11010519491231003X", "identity.id_check", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := ParseID(tc.in)
			if err == nil {
				t.Fatalf("ParseID(%q) = %+v, want error %s", tc.in, id, tc.key)
			}
			e := asError(t, err)
			if e.Msg.Key != tc.key {
				t.Errorf("ParseID(%q): key %s (%v), want %s", tc.in, e.Msg.Key, err, tc.key)
			}
			if tc.text != "" && err.Error() != tc.text {
				t.Errorf("ParseID(%q): message\n got %s\nwant %s", tc.in, err.Error(), tc.text)
			}
			if n := strings.TrimSpace(tc.in); len(n) >= 15 && strings.Contains(err.Error(), n) {
				t.Errorf("message %q repeats the whole number", err.Error())
			}
		})
	}
}

func TestParseHMTResidence(t *testing.T) {
	fixedNow(t)
	for _, tc := range []struct{ in, region, name string }{
		{"810000199408230021", "810000", "香港特别行政区"},
		{"830000199201300022", "830000", "台湾省"},
		{"820000200001010016", "820000", "澳门特别行政区"},
	} {
		id, err := ParseHMTResidence(tc.in)
		if err != nil {
			t.Fatalf("ParseHMTResidence(%s): %v", tc.in, err)
		}
		if id.Number != tc.in || id.RegionCode != tc.region || id.RegionName != tc.name {
			t.Errorf("ParseHMTResidence(%s) = %+v", tc.in, id)
		}
	}
	for _, tc := range []struct{ in, key string }{
		{"11010519491231002X", "identity.hmt_region"},
		{"810000940823002", "identity.hmt_length"},
		{"810000199408230022", "identity.id_check"},
		{"810000199402300021", "identity.id_date_invalid"},
	} {
		_, err := ParseHMTResidence(tc.in)
		if e := asError(t, err); e.Msg.Key != tc.key {
			t.Errorf("ParseHMTResidence(%s): %s (%v), want %s", tc.in, e.Msg.Key, err, tc.key)
		}
	}
	// The message for a permit's check character speaks of the permit.
	_, err := ParseHMTResidence("810000199408230022")
	if !strings.HasPrefix(err.Error(), "居住证号码校验位不正确") {
		t.Errorf("message %q", err)
	}
}

func TestCheckChar(t *testing.T) {
	for body, want := range map[string]byte{
		"11010519491231002": 'X',
		"44052418800101001": '4',
		"61010419620927690": '8',
	} {
		if c, ok := CheckChar(body); !ok || c != want {
			t.Errorf("CheckChar(%s) = %c, %v; want %c", body, c, ok, want)
		}
	}
	for _, bad := range []string{"", "1101051949123100", "1101051949123100X", "110105194912310021"} {
		if _, ok := CheckChar(bad); ok {
			t.Errorf("CheckChar(%q) ok", bad)
		}
	}
}

func TestMakeID(t *testing.T) {
	fixedNow(t)
	birth := time.Date(1985, 6, 15, 0, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	for seq := 0; seq < 500; seq++ {
		for _, sex := range []string{Male, Female} {
			n := MakeID("110104", birth, seq, sex)
			if seen[n] {
				t.Fatalf("MakeID repeats %s", n)
			}
			seen[n] = true
			id, err := ParseID(n)
			if err != nil {
				t.Fatalf("MakeID(110104, %d, %s) = %s: %v", seq, sex, n, err)
			}
			if id.Sex != sex || id.BirthDate != "1985-06-15" || !id.RegionRetired {
				t.Fatalf("MakeID(110104, %d, %s) parsed as %+v", seq, sex, id)
			}
		}
	}
	if got := MakeID("110105", time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC), 1, Female); got != "11010519491231002X" {
		t.Errorf("MakeID = %s, want 11010519491231002X", got)
	}
	for _, f := range []func(){
		func() { MakeID("11010", birth, 0, Male) },
		func() { MakeID("110105", birth, 500, Male) },
		func() { MakeID("110105", birth, -1, Male) },
		func() { MakeID("110105", birth, 0, "男") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("MakeID with bad arguments did not panic")
				}
			}()
			f()
		}()
	}
}

func TestAge(t *testing.T) {
	id := &ID{BirthDate: "2000-02-29"}
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 12, 0, 0, 0, china) }
	for _, tc := range []struct {
		on   time.Time
		want int
	}{
		{day(2000, 2, 29), 0},
		{day(2001, 2, 28), 0},
		{day(2001, 3, 1), 1},
		{day(2004, 2, 28), 3},
		{day(2004, 2, 29), 4},
		{day(2025, 6, 1), 25},
		{day(1999, 1, 1), 0},
	} {
		if got := id.Age(tc.on); got != tc.want {
			t.Errorf("Age(%s) = %d, want %d", tc.on.Format("2006-01-02"), got, tc.want)
		}
	}
	old := &ID{BirthDate: "1949-12-31"}
	if got := old.Age(day(2025, 12, 30)); got != 75 {
		t.Errorf("Age = %d, want 75", got)
	}
	if got := old.Age(day(2025, 12, 31)); got != 76 {
		t.Errorf("Age = %d, want 76", got)
	}
	if got := (&ID{}).Age(day(2025, 1, 1)); got != 0 {
		t.Errorf("Age of an empty ID = %d", got)
	}
}

func TestFutureIsJudgedInChina(t *testing.T) {
	// 2025-06-01 20:00 UTC is already 2 June in Beijing.
	old := now
	now = func() time.Time { return time.Date(2025, 6, 1, 20, 0, 0, 0, time.UTC) }
	resetToday()
	defer func() { now = old; resetToday() }()
	if _, err := ParseID(withCheck(t, "11010220250602001")); err != nil {
		t.Errorf("a child born on 2 June in China is refused at 04:00 CST: %v", err)
	}
}

func TestSexLabel(t *testing.T) {
	if SexLabel(Male) != "男" || SexLabel(Female) != "女" || SexLabel("x") != "" {
		t.Error("SexLabel")
	}
}

func BenchmarkParseID(b *testing.B) {
	numbers := []string{"11010519491231002X", "440524188001010014", "610104196209276908", "110105491231002"}
	lookupRegion("110105") // load the table outside the timing
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ParseID(numbers[i%len(numbers)]); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTodayMovesOn checks that the cached "today" never refuses a child born
// after the day that was cached: the clock is read again for such a date.
func TestTodayMovesOn(t *testing.T) {
	fixedNow(t)
	if _, err := ParseID(withCheck(t, "11010220250601001")); err != nil {
		t.Fatal(err)
	}
	now = func() time.Time { return time.Date(2025, 6, 2, 9, 0, 0, 0, china) }
	if _, err := ParseID(withCheck(t, "11010220250602001")); err != nil {
		t.Errorf("born on the new day: %v", err)
	}
	if _, err := ParseID(withCheck(t, "11010220250603001")); err == nil {
		t.Error("born tomorrow accepted")
	}
}
