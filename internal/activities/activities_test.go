package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"linli/internal/activities"
	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/venues"
)

// fakePeople stands in for the registry in the concurrency test: every id
// is a person of community c.
type fakePeople struct{ c int64 }

func (f fakePeople) Person(_ context.Context, _ *auth.Principal, id int64) (activities.Person, error) {
	return activities.Person{ID: id, CommunityID: f.c, Name: fmt.Sprintf("居民%d", id)}, nil
}

func soon(d time.Duration) time.Time { return time.Now().In(locale.Zone).Add(d).Truncate(time.Minute) }

func newActivity(t *testing.T, w *apptest.World, title string, quota int, start time.Time) int64 {
	t.Helper()
	id, err := w.App.Activities.Create(context.Background(), w.Principal(t, "community_admin"), activities.Input{OrgID: w.C1, Title: title,
		Topic: "health", Format: "lecture", StartsAt: start, EndsAt: start.Add(2 * time.Hour), Quota: quota, Publish: true})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return id
}

// 2,000 sign-ups of distinct people for 100 places from 32 goroutines at
// once: exactly 100 accepted, the rest waiting at positions 1…1900 without
// gaps or repeats, nobody twice; five accepted cancel and the first five
// waiting move up.
func TestSignUpNeverOversells(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Activities
		s.People = fakePeople{w.C1}
		staff := w.Principal(t, "community_admin")
		id := newActivity(t, w, "健康讲座", 100, soon(48*time.Hour))

		const n, workers = 2000, 32
		results := make([]activities.Result, n)
		errs := make([]error, n)
		next := make(chan int)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					results[i], errs[i] = s.SignUp(ctx, staff, id, int64(100000+i))
				}
			}()
		}
		for i := range n {
			next <- i
		}
		close(next)
		wg.Wait()
		accepted, positions := 0, []int{}
		for i, r := range results {
			if errs[i] != nil {
				t.Fatalf("sign-up %d: %v", i, errs[i])
			}
			switch r.Status {
			case activities.SignAccepted:
				accepted++
			case activities.SignWaiting:
				positions = append(positions, r.Position)
			default:
				t.Fatalf("sign-up %d: %+v", i, r)
			}
		}
		sort.Ints(positions)
		if accepted != 100 || len(positions) != 1900 {
			t.Fatalf("accepted %d, waiting %d", accepted, len(positions))
		}
		for i, p := range positions {
			if p != i+1 {
				t.Fatalf("waiting positions have a gap or repeat at %d: %d", i+1, p)
			}
		}
		a, _ := s.Get(ctx, staff, id)
		if a.Accepted != 100 || a.Waiting != 1900 {
			t.Fatalf("counters: %d accepted, %d waiting", a.Accepted, a.Waiting)
		}
		var rows, people, seqs int
		if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT person_id), COUNT(DISTINCT CASE WHEN status = 'waiting' THEN seq END)
			FROM activity_signup WHERE activity_id = ?`, id).Scan(&rows, &people, &seqs); err != nil || rows != n || people != n || seqs != 1900 {
			t.Fatalf("rows %d, people %d, waiting seqs %d (%v)", rows, people, seqs, err)
		}
		// Nobody twice.
		if _, err := s.SignUp(ctx, staff, id, 100000); !errors.Is(err, activities.ErrAlready) {
			t.Fatalf("second sign-up: %v", err)
		}
		// The first five waiting, in order.
		roster, err := s.Roster(ctx, staff, a)
		if err != nil {
			t.Fatal(err)
		}
		var firstWaiting, someAccepted []int64
		for _, x := range roster {
			if x.Status == activities.SignWaiting && len(firstWaiting) < 5 {
				firstWaiting = append(firstWaiting, x.PersonID)
			}
			if x.Status == activities.SignAccepted && len(someAccepted) < 5 {
				someAccepted = append(someAccepted, x.PersonID)
			}
		}
		for _, pid := range someAccepted {
			if err := s.CancelSignUp(ctx, staff, id, pid); err != nil {
				t.Fatalf("cancel: %v", err)
			}
		}
		for _, pid := range firstWaiting {
			var st string
			if err := w.DB.QueryRowContext(ctx, `SELECT status FROM activity_signup WHERE activity_id = ? AND person_id = ?`, id, pid).Scan(&st); err != nil || st != "accepted" {
				t.Fatalf("waiting %d after the cancellations: %q %v", pid, st, err)
			}
		}
		a, _ = s.Get(ctx, staff, id)
		if a.Accepted != 100 || a.Waiting != 1895 {
			t.Fatalf("after cancellations: %d accepted, %d waiting", a.Accepted, a.Waiting)
		}
	})
}

var tokenRe = regexp.MustCompile(`/portal/activities/checkin\?t=([A-Za-z0-9_-]+)`)

// The pinned API, the portal's sign-up with a waiting list that moves up,
// check-in by the QR code's link (GET shows, POST checks in), the summary
// and the figures.
func TestAPIPortalCheckInSummary(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		srv := w.Server(t)
		leader := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		start := soon(30 * time.Minute)
		f0, err := w.App.Activities.Stats(ctx, w.Principal(t, "community_admin"), start.Year(), 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf(`{"title":"防诈骗讲座","starts_at":%q,"ends_at":%q,"quota":1,"publish":true,"topic":"law","format":"lecture"}`,
			start.Format(time.RFC3339), start.Add(time.Hour).Format(time.RFC3339))
		resp, out := leader.JSON("POST", "/api/v1/activities", body)
		var created struct{ ID int64 }
		if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(out), &created) != nil || created.ID == 0 {
			t.Fatalf("create: %d %s", resp.StatusCode, out)
		}
		if resp, out := leader.JSON("POST", "/api/v1/activities", `{"title":"","starts_at":"明天","quota":1}`); resp.StatusCode != 422 ||
			!strings.Contains(out, "活动名称") || !strings.Contains(out, "开始时间") {
			t.Fatalf("bad create: %d %s", resp.StatusCode, out)
		}
		// Staff sign up the fixture person of grid A: accepted.
		personA := w.Objects["person"][apptest.InA]
		path := fmt.Sprintf("/api/v1/activities/%d", created.ID)
		resp, out = leader.JSON("POST", path+"/signups", fmt.Sprintf(`{"person_id":%d}`, personA))
		if resp.StatusCode != 200 || !strings.Contains(out, `"accepted"`) {
			t.Fatalf("staff sign-up: %d %s", resp.StatusCode, out)
		}
		// A resident of grid B on the portal: full, so waiting first.
		personB := w.Objects["person"][apptest.InB]
		if _, err := w.App.Auth.CreateUser(ctx, auth.System("test"), auth.NewUser{Username: "act_resident", DisplayName: "李大爷", Password: apptest.Password,
			Roles: []auth.Role{auth.RoleResident}, PersonID: personB, MFAExempt: true}); err != nil {
			t.Fatal(err)
		}
		res := apptest.NewClient(t, srv.URL).Login("act_resident", apptest.Password)
		if resp, out := res.Get("/portal/activities"); resp.StatusCode != 200 || !strings.Contains(out, "防诈骗讲座") {
			t.Fatalf("portal list: %d", resp.StatusCode)
		}
		resp, out = res.JSON("POST", path+"/signups", `{}`)
		if resp.StatusCode != 200 || !strings.Contains(out, `"waiting"`) || !strings.Contains(out, `"position":1`) {
			t.Fatalf("resident sign-up: %d %s", resp.StatusCode, out)
		}
		resp, out = leader.JSON("GET", path, "")
		if resp.StatusCode != 200 || !strings.Contains(out, `"accepted":1`) || !strings.Contains(out, `"waiting":1`) {
			t.Fatalf("get: %d %s", resp.StatusCode, out)
		}
		// Staff withdraw person A: the resident moves up.
		if resp, out := leader.JSON("POST", path+"/signups/cancel", fmt.Sprintf(`{"person_id":%d}`, personA)); resp.StatusCode != 200 {
			t.Fatalf("withdraw: %d %s", resp.StatusCode, out)
		}
		if resp, out := res.Get(fmt.Sprintf("/portal/activities/%d", created.ID)); resp.StatusCode != 200 || !strings.Contains(out, "已报名") {
			t.Fatalf("resident not moved up: %d", resp.StatusCode)
		}
		// The QR code's link: GET shows a button and writes nothing; POST checks in.
		resp, out = leader.Get(fmt.Sprintf("/activities/%d/qr", created.ID))
		m := tokenRe.FindStringSubmatch(out)
		if resp.StatusCode != 200 || m == nil || !strings.Contains(out, "data:image/png;base64,") {
			t.Fatalf("QR page: %d %s", resp.StatusCode, out)
		}
		if resp, out := res.Get("/portal/activities/checkin?t=" + m[1]); resp.StatusCode != 200 || !strings.Contains(out, "确认签到") {
			t.Fatalf("check-in page: %d", resp.StatusCode)
		}
		a, _ := w.App.Activities.Get(ctx, w.Principal(t, "community_admin"), created.ID)
		if a.Attended != 0 {
			t.Fatal("a GET checked in")
		}
		if resp, _ := res.PostForm("/portal/activities/checkin", url.Values{"t": {"x" + m[1][1:]}}); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("a wrong token: %d", resp.StatusCode)
		}
		if resp, _ := res.PostForm("/portal/activities/checkin", url.Values{"t": {m[1]}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("check in: %d", resp.StatusCode)
		}
		a, _ = w.App.Activities.Get(ctx, w.Principal(t, "community_admin"), created.ID)
		if a.Attended != 1 || a.Status != activities.StatusHeld {
			t.Fatalf("after check-in: %d attended, %s", a.Attended, a.Status)
		}
		// A rotated code: the old token no longer works.
		if resp, out := leader.PostForm(fmt.Sprintf("/activities/%d/qr", created.ID), url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("rotate: %d %s", resp.StatusCode, out)
		}
		if resp, out := res.Get("/portal/activities/checkin?t=" + m[1]); resp.StatusCode != 200 || !strings.Contains(out, "签到码无效") {
			t.Fatalf("old token after rotation: %d", resp.StatusCode)
		}
		// Feedback, the summary (after the start) and the figures.
		if resp, _ := res.PostForm(fmt.Sprintf("/portal/activities/%d/feedback", created.ID), url.Values{"satisfaction": {"5"}, "feedback": {"讲得好"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("feedback: %d", resp.StatusCode)
		}
		s := w.App.Activities
		s.Now = func() time.Time { return start.Add(2 * time.Hour) }
		defer func() { s.Now = nil }()
		if resp, out := leader.PostForm(fmt.Sprintf("/activities/%d/summary", created.ID), url.Values{"summary": {""}}); resp.StatusCode != 422 || !strings.Contains(out, "活动小结") {
			t.Fatalf("empty summary: %d", resp.StatusCode)
		}
		if resp, _ := leader.PostForm(fmt.Sprintf("/activities/%d/summary", created.ID), url.Values{"summary": {"到场 1 人"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("summary: %d", resp.StatusCode)
		}
		f, err := s.Stats(ctx, w.Principal(t, "community_admin"), start.Year(), 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		mi := int(start.Month()) - 1
		if f.Months[mi].Activities != f0.Months[mi].Activities+1 || f.Months[mi].Attended != 1 || f.Reached != 1 || f.Months[mi].Summarised != 1 {
			t.Fatalf("figures: %+v reached %d", f.Months[mi], f.Reached)
		}
		// Another community's leader sees none of it.
		if _, err := s.Get(ctx, w.Principal(t, "community_admin_c2"), created.ID); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("other community: %v", err)
		}
	})
}

// An activity reserves its venue through the venues module; a clash
// refuses the second activity's save with the venue's message and leaves
// nothing behind; cancelling the activity frees the venue.
func TestVenueReservation(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		leader := w.Principal(t, "community_admin")
		room, err := w.App.Venues.CreateVenue(ctx, leader, venues.VenueInput{OrgID: w.C1, Name: "活动测试室", Kind: "activity_room", Capacity: 40,
			Hours: venues.ParseHours(""), BookStaff: true})
		if err != nil {
			t.Fatal(err)
		}
		d := time.Now().In(locale.Zone).AddDate(0, 0, 5)
		start := time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, locale.Zone)
		in := activities.Input{OrgID: w.C1, Title: "插花课", StartsAt: start, EndsAt: start.Add(2 * time.Hour), Quota: 20, VenueID: room, Publish: true}
		first, err := w.App.Activities.Create(ctx, leader, in)
		if err != nil {
			t.Fatalf("first: %v", err)
		}
		var held int
		if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM venue_booking WHERE venue_id = ? AND source = 'activity' AND source_ref = ? AND status IN ('pending', 'approved')`,
			room, first).Scan(&held); err != nil || held != 1 {
			t.Fatalf("the venue's booking: %d %v", held, err)
		}
		in.Title, in.StartsAt = "茶艺课", start.Add(time.Hour)
		_, err = w.App.Activities.Create(ctx, leader, in)
		var verrs *i18n.Errors
		if !errors.As(err, &verrs) || !strings.Contains(verrs.For("venue_id"), "插花课") {
			t.Fatalf("a clash: %v", err)
		}
		var n int
		if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM activity WHERE title = '茶艺课'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("the refused activity was kept: %d %v", n, err)
		}
		if err := w.App.Activities.Cancel(ctx, leader, first, "老师生病"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.App.Activities.Create(ctx, leader, in); err != nil {
			t.Fatalf("after the first was cancelled: %v", err)
		}
	})
}

// taggedPeople: even ids are elderly.
type taggedPeople struct{ c int64 }

func (f taggedPeople) Person(_ context.Context, _ *auth.Principal, id int64) (activities.Person, error) {
	p := activities.Person{ID: id, CommunityID: f.c, Name: fmt.Sprintf("居民%d", id)}
	if id%2 == 0 {
		p.Tags = []string{"elderly"}
	}
	return p, nil
}

// An activity for a group takes only its members; a draft takes nobody
// until published; a cancelled one takes nobody and keeps its note; bad
// input names the field and saves nothing.
func TestGroupDraftCancel(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Activities
		s.People = taggedPeople{w.C1}
		leader := w.Principal(t, "community_admin")
		start := soon(72 * time.Hour)
		id, err := s.Create(ctx, leader, activities.Input{OrgID: w.C1, Title: "老年人健康讲座", StartsAt: start, EndsAt: start.Add(time.Hour), Quota: 10,
			AudienceTag: "elderly", AudienceNote: "老年人"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SignUp(ctx, leader, id, 2); !errors.Is(err, activities.ErrClosed) {
			t.Fatalf("a draft took a sign-up: %v", err)
		}
		if err := s.Publish(ctx, leader, id); err != nil {
			t.Fatal(err)
		}
		if r, err := s.SignUp(ctx, leader, id, 2); err != nil || r.Status != activities.SignAccepted {
			t.Fatalf("an elderly resident: %+v %v", r, err)
		}
		var ie *i18n.Error
		if _, err := s.SignUp(ctx, leader, id, 3); !errors.As(err, &ie) || !strings.Contains(ie.Error(), "仅限老年人") {
			t.Fatalf("someone outside the group: %v", err)
		}
		if err := s.Cancel(ctx, leader, id, ""); err == nil {
			t.Fatal("a cancellation without its note")
		}
		if err := s.Cancel(ctx, leader, id, "场地维修"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SignUp(ctx, leader, id, 4); !errors.Is(err, activities.ErrClosed) {
			t.Fatalf("a cancelled activity took a sign-up: %v", err)
		}
		a, _ := s.Get(ctx, leader, id)
		if a.Status != activities.StatusCancelled || a.CancelNote != "场地维修" || a.Accepted != 1 {
			t.Fatalf("after cancelling: %s %q %d", a.Status, a.CancelNote, a.Accepted)
		}
		_, err = s.Create(ctx, leader, activities.Input{OrgID: w.C1, Title: "", StartsAt: start, EndsAt: start.Add(-time.Hour), Quota: -1})
		var verrs *i18n.Errors
		if !errors.As(err, &verrs) || verrs.For("title") == "" || verrs.For("ends_at") == "" || verrs.For("quota") == "" {
			t.Fatalf("bad input: %v", err)
		}
		// Staff must name the person they sign up.
		if _, err := s.SignUp(ctx, leader, id, 0); !errors.As(err, &verrs) || verrs.For("person_id") == "" {
			t.Fatalf("no person: %v", err)
		}
	})
}
