package web

import (
	"net/url"
	"strings"
	"testing"

	"linli/internal/i18n"
)

// A re-rendered form echoes each value up to its field's limit when its
// problem is its length, else up to MaxEcho; the request's form is untouched.
func TestClipFormBoundsEveryEchoedValue(t *testing.T) {
	errs := &i18n.Errors{}
	errs.MaxLen("name", "姓名", strings.Repeat("名", 40), 30)
	errs.Add("phone", "err.required", "field", "电话")
	form := url.Values{"name": {strings.Repeat("名", 40)}, "remark": {strings.Repeat("x", 5<<20)}, "tags": {"a", strings.Repeat("长", MaxEcho+1)}, "phone": {"138"}}
	got := clipForm(form, errs)
	if got.Get("name") != strings.Repeat("名", 30) {
		t.Errorf("name echoed as %d runes", len([]rune(got.Get("name"))))
	}
	if len(got.Get("remark")) != MaxEcho {
		t.Errorf("a field without a limit echoed %d bytes", len(got.Get("remark")))
	}
	if got["tags"][0] != "a" || len([]rune(got["tags"][1])) != MaxEcho {
		t.Errorf("a repeated field: %q, %d runes", got["tags"][0], len([]rune(got["tags"][1])))
	}
	if got.Get("phone") != "138" {
		t.Errorf("a short value changed: %q", got.Get("phone"))
	}
	if len(form.Get("remark")) != 5<<20 || len([]rune(form.Get("name"))) != 40 {
		t.Error("the request's own form was cut")
	}
	if short := (url.Values{"q": {"abc"}}); clipForm(short, nil).Get("q") != "abc" {
		t.Error("a short form changed")
	}
	if errs.Limit("phone") != 0 || errs.Limit("name") != 30 {
		t.Errorf("limits: %d %d", errs.Limit("phone"), errs.Limit("name"))
	}
}
