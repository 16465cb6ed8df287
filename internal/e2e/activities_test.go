package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"linli/internal/auth"
	"linli/internal/locale"
)

// The community's leader publishes an activity with two places; three
// residents sign up on the portal, the third waits; one cancels and the
// waiting one moves up. At the venue a resident scans the QR code on a
// phone (the link opens a confirm button), the leader writes the summary
// and the year's figures count the attendance.
func TestActivities(t *testing.T) {
	site := StartDemo(t, 120)
	ctx := context.Background()
	sys := auth.System("e2e")
	leader, err := site.App.Auth.Login(ctx, "community_admin", DemoPassword, "e2e", "e2e", auth.KindWeb)
	if err != nil {
		t.Fatal(err)
	}
	var community int64
	if err := site.App.DB.QueryRowContext(ctx, `SELECT community_id FROM reg_person ORDER BY id LIMIT 1`).Scan(&community); err != nil {
		t.Fatal(err)
	}
	f0, err := site.App.Activities.Stats(ctx, leader.Principal, time.Now().In(locale.Zone).Year(), community, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().In(locale.Zone).Add(40 * time.Minute).Truncate(time.Minute)
	if start.Day() != start.Add(time.Hour).Day() {
		t.Skip("too close to midnight for a same-day activity")
	}

	b := Browser(t)
	// The street adds a topic of its own, which the leader's form offers.
	Do(t, b, Login(site.URL, "street_admin", DemoPassword), chromedp.Navigate(site.URL+"/activities/terms"), WaitSel(`#terms-topic-add`),
		chromedp.SendKeys(Sel(`#terms-topic-add input[name=label]`), "e2e反诈"),
		chromedp.Click(Sel(`#terms-topic-add button[name=op]`)),
		WaitFor(`[...document.querySelectorAll('#terms-topic input[name=label]')].some(i => i.value === 'e2e反诈')`),
		Logout())
	var topic string
	if err := site.App.DB.QueryRowContext(ctx, `SELECT code FROM activity_term WHERE label = 'e2e反诈'`).Scan(&topic); err != nil {
		t.Fatal(err)
	}
	Do(t, b, Login(site.URL, "community_admin", DemoPassword), chromedp.Navigate(site.URL+"/activities/new"), WaitSel(`#activity-form`))
	Do(t, b,
		chromedp.SetValue(Sel(`#activity-form select[name=org_id]`), fmt.Sprint(community)),
		chromedp.SetValue(Sel(`#activity-form select[name=topic]`), topic),
		chromedp.SendKeys(Sel(`#activity-form input[name=title]`), "e2e反诈讲座"),
		chromedp.SetValue(Sel(`#activity-form input[name=day]`), start.Format(time.DateOnly)),
		chromedp.SetValue(Sel(`#activity-form input[name=start]`), start.Format("15:04")),
		chromedp.SetValue(Sel(`#activity-form input[name=end]`), start.Add(time.Hour).Format("15:04")),
		chromedp.SetValue(Sel(`#activity-form input[name=quota]`), "2"),
		chromedp.Click(Sel(`#activity-form input[name=publish]`)),
		chromedp.Click(Sel(`#activity-save`)),
		WaitSel(`#activity-status`),
	)
	if s := Text(t, b, `#activity-status`); s != "已发布" {
		t.Fatalf("after saving: %q", s)
	}
	if s := Text(t, b, `#activity`); !strings.Contains(s, "e2e反诈 · ") {
		t.Fatalf("the street's topic is not shown: %q", s)
	}
	var id int64
	if err := site.App.DB.QueryRowContext(ctx, `SELECT id FROM activity WHERE title = 'e2e反诈讲座'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	Do(t, b, Logout())

	// Three residents of the community, each account tied to its person.
	rows, err := site.App.DB.QueryContext(ctx, `SELECT id FROM reg_person WHERE community_id = ? ORDER BY id LIMIT 3`, community)
	if err != nil {
		t.Fatal(err)
	}
	var people []int64
	for rows.Next() {
		var p int64
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		people = append(people, p)
	}
	rows.Close()
	for i, p := range people {
		if _, err := site.App.Auth.CreateUser(ctx, sys, auth.NewUser{Username: fmt.Sprintf("e2e_res%d", i), DisplayName: fmt.Sprintf("e2e居民%d", i),
			Password: DemoPassword, Roles: []auth.Role{auth.RoleResident}, PersonID: p, MFAExempt: true}); err != nil {
			t.Fatal(err)
		}
	}
	page := fmt.Sprintf("%s/portal/activities/%d", site.URL, id)
	signUp := func(i int, want string) {
		Do(t, b, Phone(), Login(site.URL, fmt.Sprintf("e2e_res%d", i), DemoPassword), chromedp.Navigate(site.URL+"/portal/activities"), WaitSel(`#portal-activities`))
		Do(t, b, chromedp.Click(Sel(fmt.Sprintf(`#portal-activities a[href="/portal/activities/%d"]`, id))), WaitSel(`#portal-signup`))
		fitsPhoneWidth(t, b, "the activity on the portal")
		Do(t, b, chromedp.Click(Sel(`#portal-signup`)), WaitSel(`.flash`))
		if s := Text(t, b, `#my-status`); !strings.Contains(s, want) {
			t.Fatalf("resident %d after signing up: %q, want %q", i, s, want)
		}
		Do(t, b, Logout())
	}
	signUp(0, "已报名")
	signUp(1, "已报名")
	signUp(2, "候补 第 1 位")

	// The first cancels: the waiting one moves up.
	Do(t, b, Login(site.URL, "e2e_res0", DemoPassword), chromedp.Navigate(page), WaitSel(`#portal-cancel`), chromedp.Click(Sel(`#portal-cancel`)), WaitSel(`#portal-signup`))
	Do(t, b, Logout(), Login(site.URL, "e2e_res2", DemoPassword), chromedp.Navigate(page), WaitSel(`#my-status`))
	if s := Text(t, b, `#my-status`); s != "已报名" {
		t.Fatalf("the waiting resident after a cancellation: %q", s)
	}
	Do(t, b, Logout())

	// The leader shows the QR code; the resident's phone opens its link.
	Do(t, b, Login(site.URL, "community_admin", DemoPassword), chromedp.Navigate(fmt.Sprintf("%s/activities/%d/qr", site.URL, id)), WaitSel(`#checkin-qr`))
	link := Text(t, b, `#checkin-link`)
	if !regexp.MustCompile(`/portal/activities/checkin\?t=[A-Za-z0-9_-]{24}$`).MatchString(link) {
		t.Fatalf("the QR code's link: %q", link)
	}
	Do(t, b, Logout(), Phone(), Login(site.URL, "e2e_res2", DemoPassword), chromedp.Navigate(link), WaitSel(`#checkin-confirm`))
	fitsPhoneWidth(t, b, "the check-in page")
	Do(t, b, chromedp.Click(Sel(`#checkin-confirm`)), WaitSel(`.flash`))
	if s := Text(t, b, `#my-status`); !strings.Contains(s, "已签到") {
		t.Fatalf("after check-in: %q", s)
	}
	Do(t, b, Logout())

	// After the activity the leader writes the summary; the figures count it.
	site.App.Activities.Now = func() time.Time { return start.Add(2 * time.Hour) }
	defer func() { site.App.Activities.Now = nil }()
	Do(t, b, Login(site.URL, "community_admin", DemoPassword), chromedp.Navigate(fmt.Sprintf("%s/activities/%d", site.URL, id)), WaitSel(`#op-summary`))
	photo := filepath.Join(t.TempDir(), "现场.png")
	if err := os.WriteFile(photo, tinyPNG, 0o600); err != nil {
		t.Fatal(err)
	}
	Do(t, b, chromedp.Click(Sel(`#op-summary`)), WaitSel(`#summary-form`),
		chromedp.SendKeys(Sel(`#summary-form textarea[name=summary]`), "讲解了常见诈骗手法，到场居民积极提问。"),
		chromedp.SetUploadFiles(Sel(`#summary-form input[name=photos]`), []string{photo}),
		chromedp.Click(Sel(`#summary-submit`)), WaitSel(`#activity-summary`))
	if s := Text(t, b, `#activity-status`); s != "已小结" {
		t.Fatalf("after the summary: %q", s)
	}
	// The photo's thumbnail shows (loaded, not a broken image).
	Do(t, b, WaitFor(`(() => { const i = document.querySelector('#summary-photos img'); return !!i && i.complete && i.naturalWidth > 0 })()`))
	Do(t, b, chromedp.Navigate(fmt.Sprintf("%s/activities/stats?community=%d", site.URL, community)), WaitSel(`#stat-attended`))
	if s := Text(t, b, `#stat-attended`); s != fmt.Sprint(f0.Attended+1) {
		t.Fatalf("the year's attendance: %s, want %d", s, f0.Attended+1)
	}

	// A volunteer of the community served at it: the leader adds them,
	// checks them out with the activity's times (an hour), and the
	// volunteer's page shows the service record and an hour more.
	var vol int64
	if err := site.App.DB.QueryRowContext(ctx, `SELECT id FROM vol_volunteer WHERE community_id = ? AND status = 'confirmed' ORDER BY id LIMIT 1`,
		community).Scan(&vol); err != nil {
		t.Fatalf("a demo volunteer of the community: %v", err)
	}
	v0, err := site.App.Volunteers.Get(ctx, leader.Principal, vol)
	if err != nil {
		t.Fatal(err)
	}
	Do(t, b, chromedp.Navigate(fmt.Sprintf("%s/activities/%d", site.URL, id)), WaitSel(`#op-helper-add`),
		chromedp.Click(Sel(`#op-helper-add`)), WaitSel(`#helper-add-form`),
		chromedp.SetValue(Sel(`#helper-add-form select[name=volunteer_id]`), fmt.Sprint(vol)),
		chromedp.SendKeys(Sel(`#helper-add-form input[name=role]`), "签到引导"),
		chromedp.Click(Sel(`#helper-add-submit`)), WaitSel(fmt.Sprintf(`#helper-%d a`, vol)))
	Do(t, b, chromedp.Click(Sel(fmt.Sprintf(`#helper-%d a`, vol))), WaitSel(`#checkout-form`))
	fitsPhoneWidth(t, b, "the helper's check-out page")
	Do(t, b, chromedp.Click(Sel(`#checkout-submit`)), WaitSel(`.flash`))
	if s := Text(t, b, fmt.Sprintf(`#helper-%d`, vol)); !strings.Contains(s, "已签退") || !strings.Contains(s, "1 小时") {
		t.Fatalf("the helper after check-out: %q", s)
	}
	Do(t, b, chromedp.Navigate(fmt.Sprintf("%s/volunteers/%d", site.URL, vol)), WaitSel(`#records`))
	if s := Text(t, b, `#records`); !strings.Contains(s, "e2e反诈讲座（签到引导）") || !strings.Contains(s, "1 h") {
		t.Fatalf("the volunteer's records: %q", s)
	}
	v1, err := site.App.Volunteers.Get(ctx, leader.Principal, vol)
	if err != nil || v1.Minutes != v0.Minutes+60 {
		t.Fatalf("the volunteer's hours: %d → %d minutes (%v)", v0.Minutes, v1.Minutes, err)
	}
}
