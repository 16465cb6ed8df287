package importexport

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// messyLedger is a resident ledger as it arrives from a community: two
// merged title rows, columns in an odd order with synonyms, decorations and
// bracketed notes, unknown columns, full-width digits, dates in every
// notation, an empty row in the middle and an ID Excel turned into a number.
func messyLedger(t testing.TB) []byte {
	header := []any{"序号", "户主姓名", "性　别", "公民身份号码（必填）", "姓  名", "联系电话(手机)",
		"出生日期", "现居住地址", "与户主关系", "备注", "*人员类别", "户号【必填】"}
	birth := time.Date(1980, 1, 2, 0, 0, 0, 0, time.UTC)
	rows := [][]any{
		{"XX街道XX社区居民信息登记台账"},
		{"填报单位：XX社区居委会          填报日期：2024年1月"},
		header,
		{1, "张三", "男", "１１０１０５１９８００１０２００１Ｘ", "张\u200b三", "138 0013 8000", birth, "北京市朝阳区\u3000XX路1号", "户主", "独居", "老年人", "０１"},
		{2, "张三", "女", "110105198001020026", "李四", "13800138001", "1980.1.2", "北京市朝阳区XX路1号", "配偶", "", "", "01"},
		{},
		{3, "王五", "男", "110105198001020034", "王五", "", "1980/01/02", "", "户主", "", "", "02"},
		{4, "王五", "2", "110105198001020042", "赵六", "", "1980年1月2日", "", "女儿", "", "", "02"},
		{5, "", "1", "110105198001020050", "孙七", "", "19800102", "", "户主", "", "", "03"},
		{6, "", "M", "110105198001020069", "周八", "", "1980-1-2 00:00:00", "", "户主", "", "", "04"},
		{7, "", "女", "1.10105E+17", "吴九", "", "1980-02-30", "", "户主", "", "", "05"},
		{"", "", "", "", "", "", "", "", "", "", "", "", "", "右侧备注"},
	}
	return xlsxBytes(t, map[string][][]any{"居民台账": rows, "说明": {{"填表说明"}}},
		[]string{"居民台账", "说明"}, [][2]string{{"A1", "L1"}, {"A2", "L2"}})
}

func TestMessyLedger(t *testing.T) {
	s := mustOpen(t, messyLedger(t), "居民台账.xlsx")
	if got := s.Sheets(); !reflect.DeepEqual(got, []string{"居民台账", "说明"}) {
		t.Fatal(got)
	}
	m, err := s.Detect("", residentFields())
	if err != nil {
		t.Fatal(err)
	}
	if m.Sheet != "居民台账" || m.HeaderRow != 3 {
		t.Fatalf("sheet %q header row %d", m.Sheet, m.HeaderRow)
	}
	want := []Column{
		{0, "序号", ""},
		{1, "户主姓名", ""}, // contains 姓名, but the exact "姓 名" column wins
		{2, "性 别", "sex"},
		{3, "公民身份号码(必填)", "id_number"},
		{4, "姓 名", "name"},
		{5, "联系电话(手机)", "phone"},
		{6, "出生日期", "birth_date"},
		{7, "现居住地址", "address"},
		{8, "与户主关系", "relation"},
		{9, "备注", ""},
		{10, "*人员类别", "category"},
		{11, "户号【必填】", "household_no"},
	}
	if !reflect.DeepEqual(m.Columns, want) {
		t.Fatalf("columns\n got %v\nwant %v", m.Columns, want)
	}
	if len(m.Missing) != 0 {
		t.Fatal(m.Missing)
	}
	var rows []Row
	if err := s.Rows(m, func(r Row) error { rows = append(rows, r); return nil }); err != nil {
		t.Fatal(err)
	}
	nums := []int{}
	for _, r := range rows {
		nums = append(nums, r.Num)
	}
	if !reflect.DeepEqual(nums, []int{4, 5, 7, 8, 9, 10, 11, 12}) {
		t.Fatalf("row numbers %v", nums)
	}
	first := rows[0]
	if first.Values["name"] != "张三" || first.Values["id_number"] != "11010519800102001X" ||
		first.Values["address"] != "北京市朝阳区 XX路1号" || first.Values["household_no"] != "01" ||
		first.Values["phone"] != "138 0013 8000" {
		t.Fatalf("%+v", first.Values)
	}
	if !reflect.DeepEqual(first.Extras, map[string]string{"序号": "1", "户主姓名": "张三", "备注": "独居"}) {
		t.Fatalf("extras %v", first.Extras)
	}
	// Every mapped field is present, empty or not.
	if v, ok := rows[2].Values["phone"]; !ok || v != "" {
		t.Fatalf("%q %v", v, ok)
	}
	for _, r := range rows[:6] {
		if d, ok := ParseDate(r.Values["birth_date"]); !ok || d != "1980-01-02" {
			t.Errorf("row %d: birth date %q → %q %v", r.Num, r.Values["birth_date"], d, ok)
		}
	}
	sexes := []string{"M", "F", "M", "F", "M", "M", "F"}
	for i, want := range sexes {
		if got, ok := ParseSex(rows[i].Values["sex"]); !ok || got != want {
			t.Errorf("row %d sex %q", rows[i].Num, rows[i].Values["sex"])
		}
	}
	last := rows[6]
	if !ScientificNumber(last.Values["id_number"]) {
		t.Errorf("%q not flagged", last.Values["id_number"])
	}
	if _, ok := ParseDate(last.Values["birth_date"]); ok {
		t.Error("1980-02-30 accepted")
	}
	// A note off to the right, under no header, is kept under its column letter.
	if rows[7].Num != 12 || rows[7].Extras["N 列"] != "右侧备注" {
		t.Fatalf("%+v", rows[7])
	}

	// The second sheet has no header.
	_, err = s.Detect("说明", residentFields())
	ie := wantErr(t, err, "importexport.no_header")
	if !strings.Contains(ie.Error(), "说明") || !strings.Contains(ie.Error(), "身份证号") {
		t.Fatal(ie)
	}
	_, err = s.Detect("不存在", residentFields())
	wantErr(t, err, "importexport.no_sheet")
}

func TestDetectRules(t *testing.T) {
	fields := residentFields()
	t.Run("first of equally good rows", func(t *testing.T) {
		s := mustOpen(t, simpleXLSX(t, []any{"姓名", "户号"}, []any{"姓名", "户号"}), "a.xlsx")
		m, err := s.Detect("", fields)
		if err != nil || m.HeaderRow != 1 {
			t.Fatal(m, err)
		}
	})
	t.Run("most matches wins over earlier row", func(t *testing.T) {
		s := mustOpen(t, simpleXLSX(t,
			[]any{"姓名", "户号"},
			[]any{"姓名", "户号", "身份证号"}), "a.xlsx")
		m, _ := s.Detect("", fields)
		if m.HeaderRow != 2 {
			t.Fatal(m.HeaderRow)
		}
	})
	t.Run("needs two matches", func(t *testing.T) {
		s := mustOpen(t, simpleXLSX(t, []any{"姓名", "年龄"}, []any{"张三", 30}), "a.xlsx")
		_, err := s.Detect("", fields)
		wantErr(t, err, "importexport.no_header")
	})
	t.Run("one field needs one match", func(t *testing.T) {
		s := mustOpen(t, simpleXLSX(t, []any{"标题"}, []any{"序号", "ＩＤ号码 "}), "a.xlsx")
		m, err := s.Detect("", []Field{{Key: "id", Label: "id号码"}})
		if err != nil || m.HeaderRow != 2 || m.Columns[1].Field != "id" {
			t.Fatal(m, err)
		}
	})
	t.Run("only the first 30 rows", func(t *testing.T) {
		rows := make([][]any, 30)
		for i := range rows {
			rows[i] = []any{"说明"}
		}
		rows = append(rows, []any{"姓名", "户号"})
		s := mustOpen(t, simpleXLSX(t, rows...), "a.xlsx")
		_, err := s.Detect("", fields)
		wantErr(t, err, "importexport.no_header")
	})
	t.Run("a field goes to the first column", func(t *testing.T) {
		s := mustOpen(t, simpleXLSX(t, []any{"电话", "手机", "姓名"}), "a.xlsx")
		m, _ := s.Detect("", fields)
		if m.Columns[0].Field != "phone" || m.Columns[1].Field != "" || m.Columns[2].Field != "name" {
			t.Fatal(m.Columns)
		}
	})
	t.Run("longest contained name wins", func(t *testing.T) {
		f := []Field{{Key: "addr", Label: "地址"}, {Key: "hukou", Label: "户籍地址"}, {Key: "name", Label: "姓名"}}
		s := mustOpen(t, simpleXLSX(t, []any{"姓名", "居民户籍地址（详细）", "现地址"}), "a.xlsx")
		m, _ := s.Detect("", f)
		if m.Columns[1].Field != "hukou" || m.Columns[2].Field != "addr" {
			t.Fatal(m.Columns)
		}
	})
	t.Run("decorations", func(t *testing.T) {
		for _, h := range []string{"身份证号（必填）", "身份证号(必填)", "*身份证号", "身份证号：", "【必填】身份证号", " 身 份 证 号 ", "身份证号[18位]", "身份证号\n(必填)"} {
			if k := headerKey(h); k != "身份证号" {
				t.Errorf("headerKey(%q) = %q", h, k)
			}
		}
		if k := headerKey("（备注）"); k != "(备注)" {
			t.Errorf("note-only header: %q", k)
		}
		if k := headerKey("PHONE"); k != "phone" {
			t.Error(k)
		}
	})
	t.Run("duplicate headers stay distinct", func(t *testing.T) {
		s := mustOpen(t, simpleXLSX(t, []any{"姓名", "户号", "备注", "备注"}, []any{"张三", "1", "甲", "乙"}), "a.xlsx")
		m, _ := s.Detect("", fields)
		var r Row
		s.Rows(m, func(x Row) error { r = x; return nil })
		if r.Extras["备注"] != "甲" || r.Extras["备注 (2)"] != "乙" {
			t.Fatal(r.Extras)
		}
	})
	t.Run("missing required", func(t *testing.T) {
		s := mustOpen(t, simpleXLSX(t, []any{"姓名", "性别"}), "a.xlsx")
		m, _ := s.Detect("", fields)
		if !reflect.DeepEqual(m.Missing, []string{"id_number", "household_no"}) {
			t.Fatal(m.Missing)
		}
	})
	t.Run("no fields", func(t *testing.T) {
		s := mustOpen(t, simpleXLSX(t, []any{"姓名", "性别"}), "a.xlsx")
		_, err := s.Detect("", nil)
		wantErr(t, err, "importexport.no_header")
	})
}

func TestRemap(t *testing.T) {
	fields := residentFields()
	s := mustOpen(t, simpleXLSX(t, []any{"姓名", "性别", "证件", "电话"}, []any{"张三", "男", "110105198001020018", "1"}), "a.xlsx")
	m, err := s.Detect("", fields)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Missing, []string{"id_number", "household_no"}) {
		t.Fatal(m.Missing)
	}
	before := append([]Column(nil), m.Columns...)

	err = m.Remap(fields, map[int]string{2: "id_card"})
	ie := wantErr(t, err, "importexport.remap_unknown_field")
	if !strings.Contains(ie.Error(), "C 列（证件）") {
		t.Fatal(ie)
	}
	err = m.Remap(fields, map[int]string{2: "id_number", 3: "name"})
	ie = wantErr(t, err, "importexport.remap_duplicate")
	if !strings.Contains(ie.Error(), "D 列（电话）") || !strings.Contains(ie.Error(), "A 列（姓名）") || !strings.Contains(ie.Error(), "姓名") {
		t.Fatal(ie)
	}
	err = m.Remap(fields, map[int]string{9: "name"})
	wantErr(t, err, "importexport.remap_no_column")
	if !reflect.DeepEqual(m.Columns, before) {
		t.Fatal("a failed Remap changed the mapping")
	}

	if err := m.Remap(fields, map[int]string{2: "id_number", 3: ""}); err != nil {
		t.Fatal(err)
	}
	if m.Columns[2].Field != "id_number" || m.Columns[3].Field != "" {
		t.Fatal(m.Columns)
	}
	if !reflect.DeepEqual(m.Missing, []string{"household_no"}) {
		t.Fatal(m.Missing)
	}
	var r Row
	s.Rows(m, func(x Row) error { r = x; return nil })
	if r.Values["id_number"] != "110105198001020018" || r.Extras["电话"] != "1" {
		t.Fatalf("%+v", r)
	}
	if _, ok := r.Values["phone"]; ok {
		t.Fatal("unmapped phone still present")
	}
}

func TestRowsStopsOnCallbackError(t *testing.T) {
	s := mustOpen(t, simpleXLSX(t, []any{"姓名", "户号"}, []any{"张三", 1}, []any{"李四", 2}), "a.xlsx")
	m, _ := s.Detect("", residentFields())
	stop := errors.New("stop")
	n := 0
	err := s.Rows(m, func(Row) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatal(err, n)
	}
	// Rows can be read again.
	n = 0
	if err := s.Rows(m, func(Row) error { n++; return nil }); err != nil || n != 2 {
		t.Fatal(err, n)
	}
}

// Rows reads the sheet ahead on another goroutine: rows still reach fn one
// at a time and in order, an error from fn stops the reading, and the
// reader is gone when Rows returns.
func TestRowsReadAheadKeepsOrderAndStops(t *testing.T) {
	rows := [][]any{{"姓名", "户号"}}
	for i := 1; i <= 5000; i++ {
		rows = append(rows, []any{fmt.Sprintf("居民%d", i), i})
	}
	s := mustOpen(t, simpleXLSX(t, rows...), "a.xlsx")
	m, _ := s.Detect("", residentFields())
	before := runtime.NumGoroutine()
	last, n := 0, 0
	if err := s.Rows(m, func(r Row) error {
		if r.Num != last+1 && last != 0 || r.Values["name"] != fmt.Sprintf("居民%d", r.Num-1) {
			t.Fatalf("row %d after %d: %v", r.Num, last, r.Values)
		}
		last, n = r.Num, n+1
		return nil
	}); err != nil || n != 5000 {
		t.Fatal(err, n)
	}
	stop := errors.New("stop")
	n = 0
	if err := s.Rows(m, func(Row) error {
		if n++; n == 1000 {
			return stop
		}
		return nil
	}); err != stop || n != 1000 {
		t.Fatal(err, n)
	}
	// A reader left blocked on its channel would stay forever; one that is
	// returning may take a moment.
	for i := 0; runtime.NumGoroutine() > before; i++ {
		if i == 100 {
			t.Fatalf("%d goroutines after Rows, %d before: the reader outlived it", runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
