package identity

import (
	"strings"
	"testing"
)

func TestRegion(t *testing.T) {
	tests := []struct {
		code, name, path string
		retired          bool
	}{
		{"110102", "西城区", "北京市西城区", false},
		// 宣武区 was merged into 西城区 in 2010; people keep numbers issued there.
		{"110104", "宣武区", "北京市宣武区", true},
		{"110000", "北京市", "北京市", false},
		{"320102", "玄武区", "江苏省南京市玄武区", false},
		// 白下区 was merged into 秦淮区 in 2013.
		{"320103", "白下区", "江苏省南京市白下区", true},
		// 清河区 and 清浦区 became 清江浦区 in 2016.
		{"320802", "清河区", "江苏省淮安市清河区", true},
		{"320812", "清江浦区", "江苏省淮安市清江浦区", false},
		{"320800", "淮安市", "江苏省淮安市", false},
		// Known only from the 1980s tables: 潮阳县 became 潮阳市 in 1993.
		{"440524", "潮阳县", "广东省汕头市潮阳县", true},
		// A county of the 1980s 涪陵地区, since moved to 重庆市.
		{"512323", "南川县", "四川省涪陵地区南川县", true},
		{"441900", "东莞市", "广东省东莞市", false},
		{"429004", "仙桃市", "湖北省仙桃市", false},
		// Set up in 2023.
		{"659012", "白杨市", "新疆维吾尔自治区白杨市", false},
		// 下城区 was merged in 2021.
		{"330103", "下城区", "浙江省杭州市下城区", true},
		{"810000", "香港特别行政区", "香港特别行政区", false},
		{"710000", "台湾省", "台湾省", false},
	}
	for _, tc := range tests {
		name, retired, ok := Region(tc.code)
		if !ok || name != tc.name || retired != tc.retired {
			t.Errorf("Region(%s) = %q, %v, %v; want %q, %v", tc.code, name, retired, ok, tc.name, tc.retired)
		}
		if p := RegionPath(tc.code); p != tc.path {
			t.Errorf("RegionPath(%s) = %q, want %q", tc.code, p, tc.path)
		}
	}
	for _, code := range []string{"", "999999", "11010", "1101021", "830000", "11010a"} {
		if _, _, ok := Region(code); ok {
			t.Errorf("Region(%q) ok", code)
		}
		if p := RegionPath(code); p != "" {
			t.Errorf("RegionPath(%q) = %q", code, p)
		}
	}
}

func TestLookupRegion(t *testing.T) {
	r, ok := LookupRegion("110104")
	if !ok || !r.Retired || r.FirstSeen != 1998 || r.LastSeen != 2009 {
		t.Errorf("LookupRegion(110104) = %+v", r)
	}
	r, ok = LookupRegion("110102")
	if !ok || r.Retired || r.LastSeen != 0 {
		t.Errorf("LookupRegion(110102) = %+v", r)
	}
	r, ok = LookupRegion("440524")
	if !ok || !r.Retired || r.FirstSeen != 0 || r.LastSeen != 0 {
		t.Errorf("LookupRegion(440524) = %+v", r)
	}
}

// TestRegionTable checks the bundled table as a whole, so that a regenerated
// file that lost its history or its current codes fails here.
func TestRegionTable(t *testing.T) {
	current, retired := RegionCount()
	if current < 3200 || current > 3300 {
		t.Errorf("%d current codes; a national table has about 3,200", current)
	}
	if retired < 3500 {
		t.Errorf("only %d retired codes", retired)
	}
	provinces := 0
	for code, r := range regions {
		if r.Path == "" || r.Name == "" || strings.ContainsAny(r.Path, "/\t ") {
			t.Errorf("%s: bad names %+v", code, r)
		}
		if !strings.HasSuffix(r.Path, r.Name) {
			t.Errorf("%s: path %q does not end in %q", code, r.Path, r.Name)
		}
		if code[2:] == "0000" {
			provinces++
			continue
		}
		// Every code's province exists, so RegionPath always starts with it.
		p, ok := regions[code[:2]+"0000"]
		if !ok {
			t.Errorf("%s: no province", code)
		} else if !strings.HasPrefix(r.Path, p.Path) {
			t.Errorf("%s: path %q does not start with %q", code, r.Path, p.Path)
		}
	}
	if provinces != 34 {
		t.Errorf("%d province-level codes, want 34", provinces)
	}
}

// TestConcurrentFirstUse runs the first lookups from many goroutines at once,
// for the race detector: the table is built lazily on the import hot path.
func TestConcurrentFirstUse(t *testing.T) {
	done := make(chan error)
	for i := 0; i < 8; i++ {
		go func() {
			_, err := ParseID("11010519491231002X")
			done <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
