package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"linli/internal/auth"
	"linli/internal/registry"
	"linli/internal/volunteers"
)

// The community's leader, on a phone, registers a resident as a volunteer
// (found by name), records their hours, confirms a team leader's entry
// waiting on the records page, and prints the 志愿服务记录证明: it shows
// the community, the masked ID number and the hours.
func TestVolunteerFlow(t *testing.T) {
	site := StartDemo(t, 120)
	ctx := context.Background()
	leader, err := site.App.Auth.Login(ctx, "community_admin", DemoPassword, "e2e", "e2e", auth.KindWeb)
	if err != nil {
		t.Fatal(err)
	}
	p := leader.Principal
	// A resident of the leader's community who is no volunteer yet, with a
	// name no one else in reach has.
	people, _, err := site.App.Registry.ListPeople(ctx, p, registry.Filter{AgeMin: 20, AgeMax: 70, Limit: 300})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, per := range people {
		names[per.Name]++
	}
	var who *registry.Person
	for _, per := range people {
		if n, _ := site.App.Volunteers.List(ctx, p, volunteers.Filter{PersonIDs: []int64{per.ID}}); len(n) == 0 && names[per.Name] == 1 && per.IDMask != "" {
			who = per
			break
		}
	}
	if who == nil {
		t.Fatal("no resident to register")
	}
	b := Browser(t)
	Do(t, b, Phone(), Login(site.URL, "community_admin", DemoPassword), chromedp.Navigate(site.URL+"/volunteers/new?q="+who.Name), WaitSel(`#found`))
	fitsPhoneWidth(t, b, "the new volunteer page")
	Do(t, b,
		chromedp.Click(Sel(fmt.Sprintf(`#found input[value="%d"]`, who.ID))),
		chromedp.SendKeys(Sel(`#volunteer-form input[name=skills]`), "e2e修理自行车"),
		chromedp.Click(Sel(`#volunteer-form button[type=submit]`)),
		WaitSel(`#volunteer-status`),
	)
	if s := Text(t, b, `#volunteer-status`); s != "已确认" {
		t.Fatalf("after registering: %q", s)
	}
	// Hours, entered by staff: counted at once.
	Do(t, b, chromedp.Click(Sel(`#do-hours`)), WaitSel(`#op-form`),
		chromedp.SendKeys(Sel(`#op-form input[name=hours]`), "3.5"),
		chromedp.SendKeys(Sel(`#op-form input[name=what]`), "e2e楼道清理"),
		chromedp.Click(Sel(`#op-form button[type=submit]`)),
		WaitSel(`#hours-by-year`),
	)
	if s := Text(t, b, `#volunteer-level`); !strings.Contains(s, "3.5") {
		t.Fatalf("the volunteer's hours: %q", s)
	}
	volURL := Eval[string](t, b, `location.pathname`)

	// A team leader's entry waits on the records page; the leader confirms it.
	Do(t, b, chromedp.Navigate(site.URL+"/volunteers/records"), WaitSel(`#records`))
	if s := Text(t, b, `#records`); !strings.Contains(s, "待确认") || !strings.Contains(s, "队长填报") {
		t.Fatalf("the records page lacks the leaders' entries: %q", s)
	}
	Do(t, b, chromedp.Click(Sel(`#records a[href$="/accept"]`)), WaitSel(`#record-op`),
		chromedp.Click(Sel(`#record-op button[type=submit]`)), WaitSel(`.flash`))
	if s := Text(t, b, `.flash`); s != "服务时长已确认" {
		t.Fatalf("after confirming: %q", s)
	}

	// The certificate: the community's name, the masked ID number, the hours.
	Do(t, b, chromedp.Navigate(site.URL+volURL), WaitSel(`#do-certificate`), chromedp.Click(Sel(`#do-certificate`)), WaitSel(`#op-form`),
		chromedp.Click(Sel(`#op-form button[type=submit]`)), WaitSel(`#certificate`))
	cert := Text(t, b, `#certificate`)
	if !strings.Contains(cert, "志愿服务记录证明") || !strings.Contains(cert, who.IDMask) || !strings.Contains(cert, "3.5") || !strings.Contains(cert, who.Name) {
		t.Fatalf("the certificate: %q", cert)
	}
	if s := Text(t, b, `#cert-id`); !strings.Contains(s, "*") {
		t.Fatalf("the certificate's ID number is not masked: %q", s)
	}
	var n int
	site.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'volunteers.certificate'`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d audit entries for the certificate", n)
	}
}
