package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"linli/internal/auth"
)

// A community leader records a 居民代表会 with two opinions gathered at it,
// answers one and turns the other into a request; the month's digest counts
// both, the answer and the case.
func TestOpinionsMeetingToDigest(t *testing.T) {
	site := StartDemo(t, 120)
	ctx := context.Background()
	res, err := site.App.Auth.Login(ctx, "community_admin", DemoPassword, "e2e", "e2e", auth.KindWeb)
	if err != nil {
		t.Fatal(err)
	}
	before, err := site.App.Opinions.Digest(ctx, res.Principal, "", 0)
	if err != nil {
		t.Fatal(err)
	}

	b := Browser(t)
	Do(t, b, Login(site.URL, "community_admin", DemoPassword), chromedp.Navigate(site.URL+"/opinions/meetings"), WaitSel(`#meeting-new`))
	Do(t, b, chromedp.Click(Sel(`#meeting-new`)), WaitSel(`#meeting-form`))
	setVal(t, b, `#meeting-form select[name=kind]`, "representatives")
	pick(t, b, `#meeting-form select[name=place]`, "（全社区）")
	Do(t, b,
		chromedp.SendKeys(Sel(`#meeting-form input[name=title]`), "e2e居民代表会"),
		chromedp.SendKeys(Sel(`#meeting-form input[name=attendees]`), "23"),
		chromedp.Click(Sel(`#meeting-form button[type=submit]`)),
		WaitSel(`#meeting-add-form`),
	)
	setVal(t, b, `#meeting-add-form select[name="0.category"]`, "property")
	setVal(t, b, `#meeting-add-form select[name="1.category"]`, "traffic")
	Do(t, b,
		chromedp.SendKeys(Sel(`#meeting-add-form textarea[name="0.content"]`), "e2e电梯维保记录不公开"),
		chromedp.SendKeys(Sel(`#meeting-add-form input[name="0.raiser_name"]`), "代表老孙"),
		chromedp.SendKeys(Sel(`#meeting-add-form textarea[name="1.content"]`), "e2e消防通道被电动车堵住"),
		chromedp.Click(Sel(`#meeting-add-form button[type=submit]`)),
		WaitSel(`#meeting-add`),
	)
	if s := Text(t, b, `.flash`); s != "已记录 2 条意见建议" {
		t.Fatalf("after adding: %q", s)
	}
	meeting := Eval[string](t, b, `location.href`)
	list := Text(t, b, `main`)
	if !strings.Contains(list, "e2e电梯维保记录不公开") || !strings.Contains(list, "e2e消防通道被电动车堵住") || !strings.Contains(list, "代表老孙") {
		t.Fatalf("the meeting's page: %s", list)
	}

	// Answer the first.
	Do(t, b, chromedp.Click(Sel(`.op-list li:nth-child(1) a`)), WaitSel(`#opinion-content`))
	Do(t, b, chromedp.Click(Sel(`#do-answer`)), WaitSel(`#answer-form`),
		chromedp.SendKeys(Sel(`#answer-form textarea[name=answer]`), "已转告物业，下周起公示"),
		chromedp.Click(Sel(`#answer-form button[type=submit]`)), WaitSel(`#opinion-answer`))
	if s := Text(t, b, `#opinion-status`); s != "已答复" {
		t.Fatalf("after answering: %q", s)
	}

	// Turn the other into a request.
	Do(t, b, chromedp.Navigate(meeting), WaitSel(`.op-list`))
	Do(t, b, chromedp.Click(Sel(`.op-list li:nth-child(2) a`)), WaitSel(`#do-case`))
	content := Text(t, b, `#opinion-content`)
	Do(t, b, chromedp.Click(Sel(`#do-case`)), WaitSel(`#case-form`))
	pick(t, b, `#case-form select[name=kind]`, "居民诉求 · 停车管理")
	Do(t, b, chromedp.Click(Sel(`#case-form button[type=submit]`)), WaitSel(`#opinion-case`))
	if s := Text(t, b, `.flash`); !strings.HasPrefix(s, "已转为诉求 SQ") {
		t.Fatalf("after turning into a case: %q", s)
	}
	Do(t, b, chromedp.Click(Sel(`#opinion-case`)), WaitSel(`main`))
	if s := Text(t, b, `main`); !strings.Contains(s, content) || !strings.Contains(s, "关联：社情民意") {
		t.Fatalf("the case page: %s", s)
	}

	// The digest counts them.
	Do(t, b, chromedp.Navigate(site.URL+"/opinions/digest"), WaitSel(`#digest-total`))
	want := fmt.Sprintf("%d %d %d %d", before.Total.Total+2, before.Total.Answered+1, before.Total.Cases+1, before.Total.Open)
	got := strings.Join(strings.Fields(Text(t, b, `#digest-total`)), " ")
	if !strings.Contains(got, want) {
		t.Fatalf("the digest's total: %q, want %q", got, want)
	}
	if s := Text(t, b, `#digest`); !strings.Contains(s, "e2e电梯维保记录不公开") || !strings.Contains(s, "已转告物业，下周起公示") {
		t.Fatalf("the digest's list: %s", s)
	}
}
