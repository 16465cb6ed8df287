package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A community's leader, on a phone, opens the year's work plan, adds a
// task, redrafts the year-end summary, finds each of its numbers equal to
// the board's, and downloads the plan as .docx.
func TestWorkplansFlow(t *testing.T) {
	site := StartDemo(t, 120)
	b := Browser(t)
	Do(t, b, Phone(), Login(site.URL, "community_admin", DemoPassword), chromedp.Navigate(site.URL+"/workplans"), WaitSel(`#wp-list`))
	fitsPhoneWidth(t, b, "the work plans")
	Do(t, b, chromedp.Click(Sel(`#wp-list tr[data-kind=annual] a`)), WaitSel(`#wp-doc`))
	fitsPhoneWidth(t, b, "the plan")
	if s := Text(t, b, `#wp-doc`); !strings.Contains(s, "一、指导思想") || !strings.Contains(s, "王建国") {
		t.Fatalf("the plan: %q", s)
	}
	if n := Eval[int](t, b, `document.querySelectorAll('#wp-targets tbody tr').length`); n < 3 {
		t.Fatalf("the year's targets: %d rows", n)
	}
	planURL := Eval[string](t, b, `location.pathname`)
	Do(t, b, chromedp.Click(Sel(`#wp-add-task`)), WaitSel(`#wp-task-form`),
		chromedp.SendKeys(Sel(`#wp-task-form input[name=department]`), "民政"),
		chromedp.SendKeys(Sel(`#wp-task-form textarea[name=content]`), "冬季困难家庭走访慰问"),
		chromedp.SendKeys(Sel(`#wp-task-form input[name=owner]`), "李秀英"),
		chromedp.Click(Sel(`#wp-task-form button[type=submit]`)), WaitSel(`.flash`))
	if s := Text(t, b, `#tasks`); !strings.Contains(s, "冬季困难家庭走访慰问") {
		t.Fatalf("the tasks after adding: %q", s)
	}
	if n := Eval[int](t, b, `document.querySelectorAll('#tasks .wp-late').length`); n == 0 {
		t.Fatal("no task marked late (the demo's March task is past its deadline)")
	}

	// The summary, redrafted: each linked number equals the board's.
	Do(t, b, chromedp.Navigate(site.URL+"/workplans"), WaitSel(`#wp-summarize`), chromedp.Click(Sel(`#wp-summarize`)), WaitSel(`#wp-summary-form`),
		chromedp.Click(Sel(`#wp-summary-form button[type=submit]`)), WaitSel(`#wp-figures`))
	figs := map[string]string{}
	if err := json.Unmarshal([]byte(Eval[string](t, b, `JSON.stringify(Object.fromEntries([...document.querySelectorAll('#wp-doc a.wp-figure')].map(a => [a.dataset.code, a.textContent])))`)), &figs); err != nil {
		t.Fatal(err)
	}
	if len(figs) < 5 {
		t.Fatalf("the summary links %d numbers", len(figs))
	}
	board := Eval[string](t, b, `document.querySelector('#wp-doc a.wp-figure').getAttribute('href')`)
	Do(t, b, chromedp.Navigate(site.URL+board), WaitSel(`#goals-board`))
	for code, v := range figs {
		if got := Text(t, b, fmt.Sprintf(`#goals-board tr[data-code=%q] .goals-actual`, code)); got != v {
			t.Errorf("%s: the summary says %q, the board %q", code, v, got)
		}
	}

	// The plan as .docx.
	body := fetchBody(t, b, site.URL+planURL+"/export.docx", "wordprocessingml")
	z, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("the .docx is no zip: %v", err)
	}
	var doc string
	for _, f := range z.File {
		if f.Name == "word/document.xml" {
			r, _ := f.Open()
			x, _ := io.ReadAll(r)
			doc = string(x)
		}
	}
	if !strings.Contains(doc, "年工作计划") || !strings.Contains(doc, "冬季困难家庭走访慰问") {
		t.Fatalf("the .docx text: %.300s", doc)
	}
}
