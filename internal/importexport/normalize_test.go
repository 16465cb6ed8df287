package importexport

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalizeCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"abc", "abc"},
		{"  张三  ", "张三"},
		{"１１０１０５１９８００１０２００１Ｘ", "11010519800102001X"},
		{"ＡＢＣ！～", "ABC!~"},
		{"北京市\u3000朝阳区", "北京市 朝阳区"},
		{"张\u200b三\ufeff", "张三"},
		{"\ufeff姓名", "姓名"},
		{"a\u200c\u200db", "ab"},
		{"身份证\n号码", "身份证 号码"},
		{"a \t\r\n  b", "a b"},
		{"a\x00b\x07c", "abc"},
		{"a\u00a0\u00a0b", "a b"},
		{"138 0013 8000", "138 0013 8000"},
		{"（必填）", "(必填)"},
		{"\u3000\u3000", ""},
		{"bad\xffbyte", "bad\ufffdbyte"},
		{"a  b", "a b"},
		{" a", "a"},
	}
	for _, tt := range tests {
		if got := NormalizeCell(tt.in); got != tt.want {
			t.Errorf("NormalizeCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"1980-01-02", "1980-01-02", true},
		{"1980-1-2", "1980-01-02", true},
		{"1980.1.2", "1980-01-02", true},
		{"1980/01/02", "1980-01-02", true},
		{"1980年1月2日", "1980-01-02", true},
		{"1980年01月02号", "1980-01-02", true},
		{"1980年1月2", "1980-01-02", true},
		{"1980 年 1 月 2 日", "1980-01-02", true},
		{"1980年1月2日 10:30", "1980-01-02", true},
		{"1980年1月2日上午", "", false},
		{"1980年1月", "", false},
		{"年月日", "", false},
		{"19800102", "1980-01-02", true},
		{"1980-1-2 00:00:00", "1980-01-02", true},
		{"1980-01-02 8:30", "1980-01-02", true},
		{"1980-01-02T08:00:00Z", "1980-01-02", true},
		{"1980-01-02T08:00:00+08:00", "1980-01-02", true},
		{"１９８０－０１－０２", "1980-01-02", true},
		{" 1980-01-02 ", "1980-01-02", true},
		{"29222", "1980-01-02", true},
		{"29222.5", "1980-01-02", true},
		{"29222.999988426", "1980-01-02", true},
		{"1", "1900-01-01", true},
		{"59", "1900-02-28", true},
		{"60", "", false}, // Excel's phantom 1900-02-29
		{"61", "1900-03-01", true},
		{"45322", "2024-01-31", true},
		{"80000", "2119-01-11", true},
		{"80001", "", false},
		{"0", "", false},
		{"1980", "", false},    // a bare year
		{"1980.12", "", false}, // year.month
		{"2000-02-29", "2000-02-29", true},
		{"1900-02-29", "", false},
		{"1980-02-30", "", false},
		{"1980-13-01", "", false},
		{"1980-00-10", "", false},
		{"19800230", "", false},
		{"1980-01-02 25:00:00", "", false},
		{"1980-01", "", false},
		{"80-1-2", "", false},
		{"1/2/1980", "", false},
		{"0198-01-02", "", false},
		{"2999-01-01", "", false},
		{"", "", false},
		{"不详", "", false},
		{"1980-01-02-03", "", false},
		{"1980年1月", "", false},
		{"-29222", "", false},
		{"29222.", "", false},
		{"1e4", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseDate(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseDate(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	// A row of a 1904-system workbook: serials count from 1904-01-01, with
	// no phantom leap day; text dates are as they are.
	for in, want := range map[string]string{
		"27760": "1980-01-02", "27760.5": "1980-01-02", "1": "1904-01-02", "59": "1904-02-29", "60": "1904-03-01",
		"0": "", "1980": "", "80001": "", "1980-01-02": "1980-01-02", "1980年1月2日": "1980-01-02",
	} {
		if got, _ := (Row{Date1904: true}).ParseDate(in); got != want {
			t.Errorf("1904: ParseDate(%q) = %q, want %q", in, got, want)
		}
		if got, _ := (Row{}).ParseDate(in); in == "27760" && got != "1976-01-01" {
			t.Errorf("1900: ParseDate(%q) = %q", in, got)
		}
	}
}

func TestParseSex(t *testing.T) {
	tests := []struct{ in, want string }{
		{"男", "M"}, {"男性", "M"}, {"M", "M"}, {"m", "M"}, {"Male", "M"}, {"1", "M"}, {"１", "M"}, {" 男 ", "M"},
		{"女", "F"}, {"女性", "F"}, {"F", "F"}, {"FEMALE", "F"}, {"2", "F"}, {"Ｆ", "F"},
		{"", ""}, {"未知", ""}, {"0", ""}, {"9", ""}, {"男女", ""},
	}
	for _, tt := range tests {
		got, ok := ParseSex(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("ParseSex(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestScientificNumber(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"1.10105E+17", true},
		{"1.10105199001011E+17", true},
		{"1.10105e+17", true},
		{"1.38001E+10", true},
		{"1E+17", true},
		{"１.１０１０５Ｅ＋１７", true},
		{"110105199001011234", false},
		{"11010519900101123X", false},
		{"1.5E-3", false},
		{"1.2E+2", false},
		{"E+17", false},
		{"1.10105E+", false},
		{"abcE+17", false},
		{"", false},
		{"2024-01-31", false},
	}
	for _, tt := range tests {
		if got := ScientificNumber(tt.in); got != tt.want {
			t.Errorf("ScientificNumber(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func FuzzNormalizeCell(f *testing.F) {
	for _, s := range []string{"", " a ", "１２３", "\u3000x\u200b", "a\x00\nb", "\xff\xfe", "（必填）", "a\u00a0 \tb"} {
		f.Add(s)
	}
	f.Add("张三 李四")
	f.Add("a\u0085b")
	f.Add("\ufffd\u00ad")
	f.Fuzz(func(t *testing.T, s string) {
		got := NormalizeCell(s)
		if slow := normalize(s); slow != got {
			t.Fatalf("fast path differs for %q: %q, want %q", s, got, slow)
		}
		if again := NormalizeCell(got); again != got {
			t.Fatalf("not idempotent: %q → %q → %q", s, got, again)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 from %q: %q", s, got)
		}
		if strings.TrimSpace(got) != got || strings.Contains(got, "  ") {
			t.Fatalf("untrimmed or uncollapsed: %q → %q", s, got)
		}
		for _, r := range got {
			if (r >= 0xFF01 && r <= 0xFF5E) || r == 0x3000 || invisible(r) || (r < 0x20) {
				t.Fatalf("%q left %U in %q", s, r, got)
			}
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"1980-01-02", "1980.1.2", "1980/01/02", "1980年1月2日", "19800102",
		"1980-1-2 00:00:00", "29222", "29222.5", "60", "1980-02-30", "２０２４－０１－３１", "1980-01-02T08:00:00+08:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		iso, ok := ParseDate(s)
		if !ok {
			if iso != "" {
				t.Fatalf("ParseDate(%q) = %q with ok=false", s, iso)
			}
			return
		}
		// The result is a valid ISO date that parses to itself.
		if again, ok2 := ParseDate(iso); !ok2 || again != iso {
			t.Fatalf("ParseDate(%q) = %q, which re-parses as %q, %v", s, iso, again, ok2)
		}
		if len(iso) != 10 || iso[4] != '-' || iso[7] != '-' {
			t.Fatalf("ParseDate(%q) = %q: not YYYY-MM-DD", s, iso)
		}
	})
}
