package web

import (
	"strconv"
	"testing"
)

func TestOptionsEscapeAndMarkTheChosenOne(t *testing.T) {
	type unit struct {
		id   int64
		name string
	}
	units := []unit{{1, `甲"><script>`}, {2, "乙&丙"}}
	opts := Choices(units, func(u unit) string { return strconv.FormatInt(u.id, 10) }, func(u unit) string { return u.name }, "2")
	got := string(OptionsHTML(opts))
	want := `<option value="1">甲&#34;&gt;&lt;script&gt;</option><option value="2" selected>乙&amp;丙</option>`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got := string(OptionsHTML([]Option{{Value: `a"b`, Label: "x"}})); got != `<option value="a&#34;b">x</option>` {
		t.Fatalf("value not escaped: %s", got)
	}
	if OptionsHTML(nil) != "" {
		t.Fatal("no options, no markup")
	}
}
