package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"linli/internal/auth"
	"linli/internal/cases"
	"linli/internal/locale"
	"linli/internal/reports"
)

// This month's report of the leader's community fills itself from the
// indicators; the leader, on a phone, types the fields and submits it; the
// street returns it with a comment; the leader corrects and submits again;
// the street approves. A case received afterwards moves the live figure but
// not the approved report, which exports to .xlsx (opened by LibreOffice when
// it is installed) and prints.
func TestReportsFlow(t *testing.T) {
	site := StartDemo(t, 120)
	ctx := context.Background()
	leader, err := site.App.Auth.Login(ctx, "community_admin", DemoPassword, "e2e", "e2e", auth.KindWeb)
	if err != nil {
		t.Fatal(err)
	}
	c1 := leader.Principal.Scope.Roots[0].ID
	month := reports.CurrentPeriod(reports.Monthly, time.Now().In(locale.Zone))
	list, err := site.App.Reports.List(ctx, leader.Principal, reports.Filter{CommunityID: c1, Period: month})
	if err != nil || len(list) != 1 || list[0].State != reports.Draft {
		t.Fatalf("the demo's draft of this month: %d reports (%v)", len(list), err)
	}
	id := fmt.Sprint(list[0].ID)
	page := site.URL + "/reports/" + id
	received := `#report-rows tr[data-key="cases.received"] .rp-value`
	state := func(b context.Context) string {
		return Eval[string](t, b, `document.querySelector('#report-state').dataset.state`)
	}

	b := Browser(t)
	Do(t, b, Phone(), Login(site.URL, "community_admin", DemoPassword), chromedp.Navigate(site.URL+"/reports"), WaitSel(`#reports-list`))
	fitsPhoneWidth(t, b, "the reports")
	Do(t, b, chromedp.Click(Sel(`#reports-list tr[data-id="`+id+`"] a`)), WaitSel(`#report-rows`))
	if s := Text(t, b, received); s == "—" || s == "" {
		t.Fatalf("the cases received do not fill themselves: %q", s)
	}
	edit := func(n, remarks string) {
		Do(t, b, chromedp.Click(Sel(`#do-edit`)), WaitSel(`#report-edit`),
			chromedp.SetValue(Sel(`#report-edit input[name="field.1"]`), n),
			chromedp.SetValue(Sel(`#report-edit textarea[name=remarks]`), remarks),
			chromedp.Click(Sel(`#report-edit button[type=submit]`)), WaitSel(`.flash`))
		Do(t, b, chromedp.Click(Sel(`#do-submit`)), WaitSel(`#report-op`), chromedp.Click(Sel(`#report-op button[type=submit]`)), WaitSel(`.flash`))
		if s := state(b); s != reports.Submitted {
			t.Fatalf("after submitting: %s", s)
		}
	}
	edit("3", "本月按时上报")
	Do(t, b, Logout())

	Do(t, b, Login(site.URL, "street_admin", DemoPassword), chromedp.Navigate(page), WaitSel(`#do-return`),
		chromedp.Click(Sel(`#do-return`)), WaitSel(`#report-op`),
		chromedp.SendKeys(Sel(`#report-op textarea[name=comment]`), "宣传场次与台账不符"),
		chromedp.Click(Sel(`#report-op button[type=submit]`)), WaitSel(`.flash`))
	if s := state(b); s != reports.Returned {
		t.Fatalf("after returning: %s", s)
	}
	Do(t, b, Logout())

	Do(t, b, Login(site.URL, "community_admin", DemoPassword), chromedp.Navigate(page), WaitSel(`#report-return-comment`))
	if s := Text(t, b, `#report-return-comment`); !strings.Contains(s, "宣传场次与台账不符") {
		t.Fatalf("the leader does not see why: %q", s)
	}
	edit("4", "已按台账更正")
	Do(t, b, Logout())

	Do(t, b, Login(site.URL, "street_admin", DemoPassword), chromedp.Navigate(page), WaitSel(`#do-approve`),
		chromedp.Click(Sel(`#do-approve`)), WaitSel(`#report-op`), chromedp.Click(Sel(`#report-op button[type=submit]`)), WaitSel(`#report-approved`))
	if s := state(b); s != reports.Approved {
		t.Fatalf("after approving: %s", s)
	}
	frozen := Text(t, b, received)

	// A case received now: the live figure moves (read by a reader with no
	// minute of cache behind it), the approved report does not.
	street, err := site.App.Auth.Login(ctx, "street_admin", DemoPassword, "e2e", "e2e", auth.KindWeb)
	if err != nil {
		t.Fatal(err)
	}
	fresh := func() float64 {
		p := *street.Principal
		p.UserID = -time.Now().UnixNano() // its own cache entry
		y, ms, _ := reports.ParsePeriod(reports.Monthly, month)
		_, v, err := site.App.Goals.PeriodValues(ctx, &p, c1, y, ms)
		if err != nil {
			t.Fatal(err)
		}
		return v["cases.received"].Num
	}
	before := fresh()
	grid := site.App.Org
	kids, err := grid.Children(ctx, auth.System("e2e"), c1)
	if err != nil || len(kids) == 0 {
		t.Fatalf("no grid in the community (%v)", err)
	}
	if _, err := site.App.Cases.Create(ctx, auth.System("e2e"), cases.CreateInput{Type: "request", Category: "noise", Title: "审核后收到的诉求", Source: "phone",
		GridID: kids[0].ID, ReporterName: "某", ReporterPhone: "13800138009"}); err != nil {
		t.Fatal(err)
	}
	if after := fresh(); after != before+1 {
		t.Fatalf("the live figure %v → %v, want one more", before, after)
	}
	Do(t, b, chromedp.Reload(), WaitSel(`#report-approved`))
	if s := Text(t, b, received); s != frozen {
		t.Fatalf("the approved report moved: %q, was %q", s, frozen)
	}

	Do(t, b, chromedp.Navigate(page+"/print"), WaitSel(`#report-print`))
	if s := Text(t, b, `#report-print`); !strings.Contains(s, "社区工作月报") || !strings.Contains(s, "已按台账更正") {
		t.Fatalf("the print view: %q", s)
	}
	file := filepath.Join(t.TempDir(), "report.xlsx")
	if err := os.WriteFile(file, fetchBody(t, b, "/reports/"+id+"/export", "spreadsheetml"), 0o600); err != nil {
		t.Fatal(err)
	}
	checkExport(t, file, frozen)
}

// checkExport opens the export in LibreOffice (converted to CSV) when it is
// installed, else reads it back with excelize, and finds the report in it.
func checkExport(t *testing.T, file, frozen string) {
	t.Helper()
	var text string
	office, _ := exec.LookPath("soffice")
	if office == "" {
		office, _ = exec.LookPath("libreoffice")
	}
	if office != "" {
		dir := filepath.Dir(file)
		cmd := exec.Command(office, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "lo"), "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", dir, file)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("LibreOffice does not open the export: %v\n%s", err, out.String())
		}
		b, err := os.ReadFile(strings.TrimSuffix(file, ".xlsx") + ".csv")
		if err != nil {
			t.Fatalf("LibreOffice wrote no CSV: %v\n%s", err, out.String())
		}
		text = string(b)
	} else {
		t.Log("SKIPPED LibreOffice check: soffice is not installed; the export is read back with excelize instead")
		f, err := excelize.OpenFile(file)
		if err != nil {
			t.Fatalf("excelize does not open the export: %v", err)
		}
		defer f.Close()
		rows, err := f.GetRows(f.GetSheetName(0))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			text += strings.Join(r, ",") + "\n"
		}
	}
	for _, want := range []string{"社区工作月报", "受理量", frozen, "开展宣传活动", "4", "已按台账更正", "已通过"} {
		if !strings.Contains(text, want) {
			t.Fatalf("the export lacks %q:\n%s", want, text)
		}
	}
}
