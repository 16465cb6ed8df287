package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"linli/internal/cases"
)

// tinyPNG is a 1×1 photo for the upload fields.
var tinyPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

// setVal sets a form control's value the way a user's choice would.
func setVal(t *testing.T, ctx context.Context, css, value string) {
	t.Helper()
	ok := Eval[bool](t, ctx, `(function(){const el=document.querySelector(`+jsString(css)+`); if(!el) return false; el.value=`+jsString(value)+`; return el.value===`+jsString(value)+`})()`)
	if !ok {
		t.Fatalf("cannot set %s to %q", css, value)
	}
}

// pick chooses the option of a select whose text contains part.
func pick(t *testing.T, ctx context.Context, css, part string) {
	t.Helper()
	ok := Eval[bool](t, ctx, `(function(){const s=document.querySelector(`+jsString(css)+`); if(!s) return false;
		for (const o of s.options) { if (o.text.includes(`+jsString(part)+`)) { s.value=o.value; return true } } return false})()`)
	if !ok {
		t.Fatalf("no option %q in %s", part, css)
	}
}

// stepDo opens a case's transition form, lets fill complete it, and submits it.
func stepDo(t *testing.T, ctx context.Context, code string, fill func()) {
	t.Helper()
	Do(t, ctx, chromedp.Click(Sel(`#step-`+code+` > summary`)), chromedp.WaitVisible(Sel(`#step-`+code+` form`)))
	if fill != nil {
		fill()
	}
	submitAndWait(t, ctx, `#step-`+code+` button[type=submit]`)
}

// submitAndWait presses a submit button and waits for the next page's flash
// message, dropping the current page's first so that it cannot be mistaken
// for the answer.
func submitAndWait(t *testing.T, ctx context.Context, button string) {
	t.Helper()
	Eval[bool](t, ctx, `(function(){document.querySelectorAll('.flash').forEach(e => e.remove()); window.__linliOld = true; return true})()`)
	Do(t, ctx, chromedp.Click(Sel(button)), WaitFor(`document.readyState === "complete" && !window.__linliOld && document.querySelector('.flash') !== null`))
}

func stageIs(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	if got := Text(t, ctx, "#stage"); got != want {
		t.Fatalf("stage %q, want %q\n%s", got, want, Text(t, ctx, "main"))
	}
}

// Each of the four case types runs its whole life in the browser: a resident's
// request from the portal to the rating, a dispute through mediation to its
// printed agreement and performance visit, a hazard with its printed notice to
// sign-off, and a 楼栋长's grid event to its close.
func TestCasesFourTypesInBrowser(t *testing.T) {
	site := StartDemo(t, 300)
	ctx := Browser(t)
	photo := filepath.Join(t.TempDir(), "现场.png")
	if err := os.WriteFile(photo, tinyPNG, 0o600); err != nil {
		t.Fatal(err)
	}

	// ---- 居民诉求: portal → 受理 → 派遣 → 处置 → 反馈 → 评价 ----
	Do(t, ctx, Login(site.URL, "resident", DemoPassword), chromedp.Navigate(site.URL+"/portal/requests/new"), WaitSel(`#portal-form`))
	if Eval[bool](t, ctx, `!!document.querySelector('#portal-form select[name=community_id]')`) {
		pick(t, ctx, `#portal-form select[name=community_id]`, "翠苑一区社区")
	}
	setVal(t, ctx, `#portal-form select[name=category]`, "repair")
	Do(t, ctx,
		chromedp.SendKeys(Sel(`#portal-form input[name=title]`), "单元门禁坏了"),
		chromedp.SendKeys(Sel(`#portal-form textarea[name=description]`), "3幢2单元门禁刷卡无反应，已经三天"),
		chromedp.Click(Sel(`#portal-form button[type=submit]`)),
		WaitSel(`#tracking`),
	)
	number := Text(t, ctx, "#tracking")
	id, ok := cases.ParseNumber(number)
	if !ok || !strings.HasPrefix(number, "SQ") || !strings.Contains(Text(t, ctx, ".flash"), number) {
		t.Fatalf("tracking number %q", number)
	}
	reqURL := site.URL + "/cases/" + strconv.FormatInt(id, 10)
	Do(t, ctx, Logout(), Login(site.URL, "community_admin", DemoPassword), chromedp.Navigate(site.URL+"/cases?mine=intake"), WaitSel(`#mine-tabs`))
	if !strings.Contains(Text(t, ctx, "#cases"), number) {
		t.Fatalf("the new request is not waiting for 受理:\n%s", Text(t, ctx, "#cases"))
	}
	Do(t, ctx, chromedp.Navigate(reqURL), WaitSel(`#case-status`))
	stepDo(t, ctx, "accept", nil)
	stageIs(t, ctx, "已受理")
	stepDo(t, ctx, "dispatch", func() {
		pick(t, ctx, `#step-dispatch select[name=assignee_id]`, "刘洋")
		Do(t, ctx, chromedp.SendKeys(Sel(`#step-dispatch textarea[name=note]`), "请网格员刘洋今天下午到现场核实"))
	})
	stageIs(t, ctx, "处置中")
	if h := Text(t, ctx, "#holder"); !strings.Contains(h, "刘洋") {
		t.Fatalf("assignee not shown: %q", h)
	}
	Do(t, ctx, Logout(), Login(site.URL, "grid_worker", DemoPassword), chromedp.Navigate(site.URL+"/cases?mine=todo"), WaitSel(`#mine-tabs`))
	if !strings.Contains(Text(t, ctx, "#cases"), number) {
		t.Fatal("the dispatched request is not in the grid worker's 待处置")
	}
	Do(t, ctx, chromedp.Navigate(reqURL), WaitSel(`#case-status`))
	stepDo(t, ctx, "handle", func() {
		setVal(t, ctx, `#step-handle select[name=f_outcome]`, "resolved")
		Do(t, ctx, chromedp.SendKeys(Sel(`#step-handle textarea[name=note]`), "已更换门禁读卡器"),
			chromedp.SendKeys(Sel(`#step-handle textarea[name=public_reply]`), "门禁已修好，可以正常刷卡"),
			chromedp.SetUploadFiles(Sel(`#step-handle input[name=files]`), []string{photo}),
			chromedp.Click(Sel(`#step-handle input[name=files_public]`)))
	})
	stageIs(t, ctx, "已处置")
	if Eval[int](t, ctx, `document.querySelectorAll('#timeline img').length`) != 1 {
		t.Fatal("the photo is not on the timeline")
	}
	Do(t, ctx, Logout(), Login(site.URL, "community_admin", DemoPassword), chromedp.Navigate(reqURL), WaitSel(`#case-status`))
	stepDo(t, ctx, "feedback", func() {
		setVal(t, ctx, `#step-feedback select[name=f_channel]`, "phone")
		Do(t, ctx, chromedp.SendKeys(Sel(`#step-feedback textarea[name=note]`), "已电话告知居民"))
	})
	stageIs(t, ctx, "已反馈待回访")
	Do(t, ctx, Logout(), Login(site.URL, "resident", DemoPassword), chromedp.Navigate(site.URL+"/portal/requests/"+strconv.FormatInt(id, 10)), WaitSel(`#rate-form`),
		chromedp.Click(Sel(`#rate-form input[value=satisfied]`)), chromedp.Click(Sel(`#rate-form button[type=submit]`)), WaitSel(`.flash`))
	stageIs(t, ctx, "已办结")
	// The resident reads the office's replies, never its internal notes.
	if body := Text(t, ctx, "#timeline"); !strings.Contains(body, "门禁已修好，可以正常刷卡") || strings.Contains(body, "已更换门禁读卡器") ||
		strings.Contains(body, "刘洋") || strings.Contains(body, "现场核实") || strings.Contains(body, "已电话告知居民") {
		t.Fatalf("the resident's progress view:\n%s", body)
	}
	if Eval[int](t, ctx, `document.querySelectorAll('#timeline img').length`) != 1 || Eval[bool](t, ctx, `document.body.innerHTML.includes('现场.png')`) {
		t.Fatal("the photo shown to the resident is missing, or carries its staff file name")
	}
	Do(t, ctx, Logout())

	// ---- 矛盾纠纷: 排查发现 → 受理 → 当事人、调解记录 → 协议书 → 达成协议 → 打印 → 履行回访 ----
	Do(t, ctx, Login(site.URL, "grid_worker", DemoPassword), chromedp.Navigate(site.URL+"/cases/new?type=dispute"), WaitSel(`#case-form`))
	setVal(t, ctx, `#case-form select[name=category]`, "neighbour")
	Do(t, ctx,
		chromedp.SendKeys(Sel(`#case-form input[name=title]`), "楼上卫生间漏水纠纷"),
		chromedp.SendKeys(Sel(`#case-form textarea[name=description]`), "502室卫生间漏水致402室天花板受损，双方就赔偿发生争执"),
		chromedp.Click(Sel(`#case-form button[type=submit]`)),
		WaitSel(`#case-status`),
	)
	stepDo(t, ctx, "accept", nil)
	stageIs(t, ctx, "调解中")
	for _, p := range []struct{ role, name string }{{"applicant", "钱立新"}, {"respondent", "孙志红"}} {
		Do(t, ctx, chromedp.Click(Sel(`#party-step > summary`)), chromedp.WaitVisible(Sel(`#party-form`)))
		setVal(t, ctx, `#party-form select[name=role]`, p.role)
		Do(t, ctx, chromedp.SendKeys(Sel(`#party-form input[name=name]`), p.name))
		submitAndWait(t, ctx, `#party-form button[type=submit]`)
	}
	Do(t, ctx, chromedp.Click(Sel(`#session-step > summary`)), chromedp.WaitVisible(Sel(`#session-form`)),
		chromedp.SendKeys(Sel(`#session-form input[name=mediators]`), "刘洋、张敏"),
		chromedp.SendKeys(Sel(`#session-form textarea[name=notes]`), "双方到场，402室同意由502室承担维修费用"),
	)
	submitAndWait(t, ctx, `#session-form button[type=submit]`)
	if !strings.Contains(Text(t, ctx, "#parties"), "402室同意") {
		t.Fatal("the session is not recorded")
	}
	Do(t, ctx, chromedp.Click(Sel(`#edit-agreement`)), WaitSel(`#doc-form`))
	Do(t, ctx,
		chromedp.SendKeys(Sel(`#doc-form textarea[name=terms]`), "一、502室业主孙志红赔偿402室业主钱立新维修费用人民币捌佰元整；\n二、502室于一周内完成卫生间防水维修。"),
		chromedp.SendKeys(Sel(`#doc-form textarea[name=performance]`), "现金一次性支付"),
		chromedp.SendKeys(Sel(`#doc-form input[name=mediators]`), "刘洋"),
	)
	setVal(t, ctx, `#doc-form input[name=perform_by]`, "2099-06-30")
	submitAndWait(t, ctx, `#doc-form button[type=submit]`)
	stepDo(t, ctx, "agree", nil)
	stageIs(t, ctx, "已达成协议待履行")
	disputeURL := Eval[string](t, ctx, `location.href`)
	Do(t, ctx, chromedp.Click(Sel(`#print-agreement`)), WaitSel(`#agreement`))
	agreement := Text(t, ctx, "#agreement")
	for _, want := range []string{"人民调解协议书", "申请人：钱立新", "被申请人：孙志红", "捌佰元整", "现金一次性支付", "2099年6月30日", "当事人（签名）：钱立新", "调解员（签名）"} {
		if !strings.Contains(agreement, want) {
			t.Fatalf("the agreement lacks %q:\n%s", want, agreement)
		}
	}
	printable(t, ctx, "#agreement")
	Do(t, ctx, chromedp.Navigate(disputeURL), WaitSel(`#case-status`))
	stepDo(t, ctx, "perform_visit", func() {
		setVal(t, ctx, `#step-perform_visit select[name=f_performance]`, "performed")
		Do(t, ctx, chromedp.Click(Sel(`#step-perform_visit input[value=satisfied]`)))
	})
	stageIs(t, ctx, "已履行回访")

	// ---- 安全隐患: 手机上报（带照片）→ 整改通知书 → 下发 → 打印 → 整改 → 复查销号 ----
	Do(t, ctx, chromedp.Navigate(site.URL+"/cases/report?type=hazard"), WaitSel(`#case-form.mobile`))
	setVal(t, ctx, `#case-form select[name=category]`, "ebike")
	Do(t, ctx,
		chromedp.SendKeys(Sel(`#case-form input[name=title]`), "电动车楼道内充电"),
		chromedp.SendKeys(Sel(`#case-form textarea[name=description]`), "5幢1单元一楼楼道有电动车充电，电线从窗户拉出"),
		chromedp.SendKeys(Sel(`#case-form input[name=location]`), "翠苑一区 5幢1单元"),
		chromedp.SetUploadFiles(Sel(`#case-form input[name=files]`), []string{photo}),
		chromedp.Click(Sel(`#case-form button[type=submit]`)),
		WaitSel(`#case-status`),
	)
	stageIs(t, ctx, "已发现")
	hazardURL := Eval[string](t, ctx, `location.href`)
	Do(t, ctx, chromedp.Click(Sel(`#edit-notice`)), WaitSel(`#doc-form`),
		chromedp.SendKeys(Sel(`#doc-form input[name=target]`), "5幢1单元101室住户"),
		chromedp.SendKeys(Sel(`#doc-form textarea[name=requirements]`), "立即停止楼道充电，将电动车移至集中充电棚"),
	)
	setVal(t, ctx, `#doc-form input[name=deadline]`, "2099-01-15")
	submitAndWait(t, ctx, `#doc-form button[type=submit]`)
	stepDo(t, ctx, "notify", nil)
	stageIs(t, ctx, "整改中")
	if due := Text(t, ctx, "#due"); !strings.HasPrefix(due, "2099-01-15") {
		t.Fatalf("the notice's deadline is not the due time: %q", due)
	}
	Do(t, ctx, chromedp.Click(Sel(`#print-notice`)), WaitSel(`#notice`))
	notice := Text(t, ctx, "#notice")
	for _, want := range []string{"安全隐患整改通知书", "5幢1单元101室住户", "2099年1月15日", "集中充电棚", "签收人", "〕整改字第 "} {
		if !strings.Contains(notice, want) {
			t.Fatalf("the notice lacks %q:\n%s", want, notice)
		}
	}
	printable(t, ctx, "#notice")
	Do(t, ctx, chromedp.Navigate(hazardURL), WaitSel(`#case-status`))
	stepDo(t, ctx, "rectified", func() {
		Do(t, ctx, chromedp.SendKeys(Sel(`#step-rectified textarea[name=note]`), "电动车已移走，电线已拆除"))
	})
	stageIs(t, ctx, "待复查")
	stepDo(t, ctx, "pass", nil)
	stageIs(t, ctx, "已销号")
	Do(t, ctx, Logout())

	// ---- 网格事件: 楼栋长上报 → 网格员立案 → 处置 → 核查 → 结案 ----
	Do(t, ctx, Login(site.URL, "volunteer", DemoPassword), chromedp.Navigate(site.URL+"/cases/report"), WaitSel(`#case-form`))
	setVal(t, ctx, `#case-form select[name=category]`, "facility")
	Do(t, ctx,
		chromedp.SendKeys(Sel(`#case-form input[name=title]`), "健身器材螺丝松脱"),
		chromedp.SendKeys(Sel(`#case-form input[name=location]`), "翠苑一区 中心花园"),
		chromedp.Click(Sel(`#case-form button[type=submit]`)),
		WaitSel(`.flash`),
	)
	if !strings.Contains(Text(t, ctx, "#cases"), "健身器材螺丝松脱") {
		t.Fatal("the 楼栋长 does not see their report")
	}
	Do(t, ctx, Logout(), Login(site.URL, "grid_worker", DemoPassword), chromedp.Navigate(site.URL+"/cases?mine=intake"), WaitSel(`#mine-tabs`))
	Do(t, ctx, chromedp.Click(chromedp.Search(`//table[@id="cases"]//td[contains(., "健身器材螺丝松脱")]/preceding-sibling::td/a`)), WaitSel(`#case-status`))
	stepDo(t, ctx, "register", nil)
	stepDo(t, ctx, "handle", func() {
		setVal(t, ctx, `#step-handle select[name=f_outcome]`, "resolved")
		Do(t, ctx, chromedp.SendKeys(Sel(`#step-handle textarea[name=note]`), "已紧固螺丝"))
	})
	stepDo(t, ctx, "verify", nil)
	stepDo(t, ctx, "close", nil)
	stageIs(t, ctx, "已结案")
	if s := Text(t, ctx, "#due-state"); s != "按时办结" {
		t.Fatalf("due state %q", s)
	}
}

// printable checks that, printed, a document shows without the site's chrome.
func printable(t *testing.T, ctx context.Context, doc string) {
	t.Helper()
	media := func(m string) Step {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
			return err
		})
	}
	Do(t, ctx, media("print"))
	defer Do(t, ctx, media(""))
	if !Eval[bool](t, ctx, `getComputedStyle(document.querySelector('.topbar')).display === 'none' && getComputedStyle(document.querySelector('.actions')).display === 'none' &&
		getComputedStyle(document.querySelector(`+jsString(doc)+`)).display !== 'none'`) {
		t.Fatalf("%s does not print cleanly", doc)
	}
}
