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
