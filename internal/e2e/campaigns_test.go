package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"linli/internal/auth"
)

// A campaign from template to acceptance: the street writes a template with
// a veto item; the community's leader, on a phone, starts a campaign from
// it, attaches one of the community's activities as evidence and submits
// the self-check; the street checks it with the veto item failed — full
// marks, yet the acceptance fails and the finding becomes a rectification
// task — then checks again with the veto item passed and accepts it with
// its title.
func TestCampaignFlow(t *testing.T) {
	site := StartDemo(t, 120)
	ctx := context.Background()
	leader, err := site.App.Auth.Login(ctx, "community_admin", DemoPassword, "e2e", "e2e", auth.KindWeb)
	if err != nil {
		t.Fatal(err)
	}
	c1 := leader.Principal.Scope.Roots[0].ID
	var activity int64
	if err := site.App.DB.QueryRowContext(ctx, `SELECT id FROM activity WHERE community_id = ? ORDER BY id LIMIT 1`, c1).Scan(&activity); err != nil {
		t.Fatalf("an activity of the community: %v", err)
	}
	b := Browser(t)
	flash := func(want string) {
		t.Helper()
		Do(t, b, WaitSel(`.flash`))
		if s := Text(t, b, `.flash`); !strings.Contains(s, want) {
			t.Fatalf("flash %q, want %q", s, want)
		}
	}

	// The street's template.
	Do(t, b, Login(site.URL, "street_admin", DemoPassword), chromedp.Navigate(site.URL+"/campaigns"), chromedp.Click(Sel(`#campaign-templates`)), WaitSel(`#template-form`),
		chromedp.SendKeys(Sel(`#template-form input[name=name]`), "测试安全社区"),
		chromedp.SendKeys(Sel(`#template-form input[name=title]`), "安全社区"),
		chromedp.SetValue(Sel(`#template-form textarea[name=phases]`), "动员部署｜03-31\n检查验收｜11-30"),
		chromedp.SetValue(Sel(`#template-form textarea[name=criteria]`), "E1｜消防设施完好｜60｜｜检查照片\nE2｜安全宣传｜40｜｜活动记录\nV1｜无亡人火灾｜｜是｜消防部门证明"),
		chromedp.SendKeys(Sel(`#template-form input[name=pass_score]`), "80"),
		chromedp.Click(Sel(`#template-form button[type=submit]`)))
	flash("模板已保存")
	Do(t, b, Logout())

	// The community starts it on a phone and gives its evidence and self-check.
	Do(t, b, Phone(), Login(site.URL, "community_admin", DemoPassword), chromedp.Navigate(site.URL+"/campaigns"), chromedp.Click(Sel(`#campaign-new`)), WaitSel(`#start-form`))
	Do(t, b, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#start-form select[name=template]');
		for (const o of s.options) { if (o.text.includes('测试安全社区') && o.value.startsWith('`+fmt.Sprint(c1)+`:')) { s.value = o.value; } } })()`),
		chromedp.Click(Sel(`#start-form button[type=submit]`)))
	flash("创建已启动")
	fitsPhoneWidth(t, b, "the campaign")
	if s := Text(t, b, `#campaign-progress`); !strings.Contains(s, "缺佐证 3 项") {
		t.Fatalf("a new campaign's progress: %q", s)
	}
	Do(t, b, chromedp.Click(Sel(`#campaign-add-evidence`)), WaitSel(`#evidence-form`),
		chromedp.SetValue(Sel(`#evidence-form select[name=criterion]`), "E2"),
		chromedp.SetValue(Sel(`#evidence-form select[name=link_kind]`), "activity"),
		chromedp.SendKeys(Sel(`#evidence-form input[name=link_id]`), fmt.Sprint(activity)),
		chromedp.Click(Sel(`#evidence-form button[type=submit]`)))
	flash("佐证已添加")
	if s := Text(t, b, `#campaign-progress`); !strings.Contains(s, "缺佐证 2 项") {
		t.Fatalf("after the evidence: %q", s)
	}
	Do(t, b, chromedp.Click(Sel(`#campaign-self`)), WaitSel(`#self-form`),
		chromedp.SetValue(Sel(`#self-form input[name=points_E1]`), "60"),
		chromedp.SetValue(Sel(`#self-form input[name=points_E2]`), "40"),
		chromedp.Click(Sel(`#self-form button[type=submit]`)))
	flash("自查已提交")
	url := Eval[string](t, b, `location.href`)
	if s := Text(t, b, `#campaign-state`); s != "待街道检查" {
		t.Fatalf("after the self-check: %q", s)
	}
	Do(t, b, Logout())

	// The street checks: full marks, the veto item failed.
	check := func(veto, findings string) {
		t.Helper()
		Do(t, b, chromedp.Navigate(url), chromedp.Click(Sel(`#campaign-check-go`)), WaitSel(`#check-form`),
			chromedp.SetValue(Sel(`#check-form input[name=points_E1]`), "60"),
			chromedp.SetValue(Sel(`#check-form input[name=points_E2]`), "40"),
			chromedp.SetValue(Sel(`#check-form select[name=veto_V1]`), veto))
		if findings != "" {
			Do(t, b, chromedp.SetValue(Sel(`#check-form textarea[name=findings]`), findings))
		}
		Do(t, b, chromedp.Click(Sel(`#check-form button[type=submit]`)))
		flash("检查结果已保存")
	}
	Do(t, b, Login(site.URL, "street_admin", DemoPassword))
	check("fail", "V1｜一处楼道堆放杂物引发火情｜2099-12-31")
	Do(t, b, chromedp.Click(Sel(`#campaign-accept-go`)), WaitSel(`#accept-form`))
	if s := Text(t, b, `#accept-result`); !strings.Contains(s, "100") || !strings.Contains(s, "未达到验收标准") {
		t.Fatalf("the acceptance with the veto item failed: %q", s)
	}
	Do(t, b, chromedp.Click(Sel(`#accept-form button[type=submit]`)))
	flash("验收未通过")
	if s := Text(t, b, `#campaign-state`); s != "验收未通过" {
		t.Fatalf("after the failed acceptance: %q", s)
	}
	if s := Text(t, b, `#campaign-tasks`); !strings.Contains(s, "楼道堆放杂物") || !strings.Contains(s, "整改") {
		t.Fatalf("the finding is no rectification task: %q", s)
	}

	// Rectified: checked again, the veto item passes, accepted.
	check("pass", "")
	Do(t, b, chromedp.Click(Sel(`#campaign-accept-go`)), WaitSel(`#accept-form`),
		chromedp.SetValue(Sel(`#accept-form input[name=valid_until]`), "2099-12-31"),
		chromedp.SetValue(Sel(`#accept-form input[name=reexam_on]`), "2098-12-31"),
		chromedp.Click(Sel(`#accept-form button[type=submit]`)))
	flash("验收通过")
	if s := Text(t, b, `#campaign-state`); s != "验收通过" {
		t.Fatalf("after the acceptance: %q", s)
	}
	if s := Text(t, b, `#campaign-title`); s != "安全社区" {
		t.Fatalf("the title awarded: %q", s)
	}
}
