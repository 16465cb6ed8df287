package registry

import (
	"reflect"
	"testing"
)

func TestPinyinAndGrams(t *testing.T) {
	for name, want := range map[string][2]string{
		"张三":   {"zhangsan", "zs"},
		"单田芳":  {"shantianfang", "stf"},
		"曾国藩":  {"zengguofan", "zgf"},
		"李Q":   {"liq", "lq"},
		"欧阳娜娜": {"ouyangnana", "oynn"},
	} {
		f, i := Pinyin(name)
		if f != want[0] || i != want[1] {
			t.Errorf("%s: %s %s", name, f, i)
		}
	}
	if got := Grams("张三丰"); !reflect.DeepEqual(got, []string{"张三", "三丰"}) {
		t.Errorf("grams: %v", got)
	}
	if got := Grams("张三"); !reflect.DeepEqual(got, []string{"张三"}) {
		t.Errorf("two characters: %v", got)
	}
	if got := Grams("娜娜娜"); !reflect.DeepEqual(got, []string{"娜娜"}) {
		t.Errorf("repeats: %v", got)
	}
}

func TestPinyinOrInitials(t *testing.T) {
	for s, want := range map[string][2]bool{ // {could be pinyin, could be initials}
		"zs":          {false, true},
		"zhangsan":    {true, false},
		"zhangs":      {true, false},
		"zh":          {true, true},
		"wang":        {true, true},
		"li":          {true, false},
		"lv":          {true, false},
		"xiaoq":       {true, false},
		"zwm":         {false, true},
		"oynn":        {false, true},
		"ouyangnana":  {true, false},
		"mz":          {false, true}, // m and n alone are interjections, not names
		"iris":        {false, false},
		"shantianfan": {true, false},
	} {
		if got := [2]bool{couldBePinyin(s), couldBeInitials(s)}; got != want {
			t.Errorf("%s: pinyin %v initials %v, want %v", s, got[0], got[1], want)
		}
	}
}
