package volunteers_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/importexport"
	"linli/internal/locale"
	"linli/internal/privacy"
	"linli/internal/volunteers"
)

func fieldErr(err error, field string) bool {
	var errs *i18n.Errors
	return errors.As(err, &errs) && errs.For(field) != ""
}

// Hours by year and in all are the confirmed records only, counted against
// a hand-made set; the level sits at the band edges (99.5 hours is no star,
// 100 is one); a leader's entry counts once staff confirm it; an activity's
// check-out is recorded once however often it is sent.
func TestTotalsLevelsAndConfirmation(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Volunteers
		leader, gw := w.Principal(t, "community_admin"), w.Principal(t, "grid_worker")
		this := time.Now().In(locale.Zone).Year()
		id, err := s.CreateVolunteer(ctx, leader, volunteers.VolunteerInput{PersonID: w.Objects["person"][apptest.InA], Skills: "理发"})
		if err != nil {
			t.Fatal(err)
		}
		v, _ := s.Get(ctx, leader, id)
		if v.Status != volunteers.StatusConfirmed || v.Name != "居民甲户主" || v.CommunityID != w.C1 {
			t.Fatalf("registered by the leader: %+v", v)
		}
		if _, err := s.CreateVolunteer(ctx, leader, volunteers.VolunteerInput{PersonID: w.Objects["person"][apptest.InA]}); !errors.Is(err, volunteers.ErrAlready) {
			t.Fatalf("the same person twice: %v", err)
		}
		add := func(on, hours, src string) int64 {
			t.Helper()
			rid, err := s.AddRecord(ctx, leader, volunteers.RecordInput{VolunteerID: id, ServedOn: on, Hours: hours, What: "巡逻", Source: src})
			if err != nil {
				t.Fatalf("record %s %s: %v", on, hours, err)
			}
			return rid
		}
		last := fmt.Sprint(this - 1)
		// Last year 20 + 20 + 19.5 = 59.5 hours; this year 15 + 15 confirmed
		// and 10 and 8 entered by a leader.
		add(last+"-03-01", "20", volunteers.SourceStaff)
		add(last+"-03-02", "20", volunteers.SourceStaff)
		add(last+"-12-31", "19.5", volunteers.SourceStaff)
		add(fmt.Sprint(this)+"-01-01", "15", volunteers.SourceStaff)
		add(fmt.Sprint(this)+"-01-01", "15", volunteers.SourceStaff)
		pending := add(fmt.Sprint(this)+"-01-02", "10", volunteers.SourceLeader)
		refused := add(fmt.Sprint(this)+"-01-03", "8", volunteers.SourceLeader)
		v, _ = s.Get(ctx, leader, id)
		years, total, err := s.YearTotals(ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		if total != 5370 || len(years) != 2 || years[0].Minutes != 1800 || years[1].Minutes != 3570 || years[1].Year != last {
			t.Fatalf("before confirming: %d %+v", total, years)
		}
		bands, _ := s.Bands(ctx, w.C1)
		if l := volunteers.LevelOf(total, bands); l.Stars != 0 || l.ToNext != 630 || l.NextStar != 1 {
			t.Fatalf("level below the band: %+v", l)
		}
		// A grid worker may not confirm; the leader confirms one and refuses one.
		if err := s.ConfirmRecord(ctx, gw, pending); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("grid worker confirms: %v", err)
		}
		if err := s.ConfirmRecord(ctx, leader, pending); err != nil {
			t.Fatal(err)
		}
		if err := s.ConfirmRecord(ctx, leader, pending); !errors.Is(err, volunteers.ErrNotPending) {
			t.Fatalf("confirmed twice: %v", err)
		}
		if err := s.RefuseRecord(ctx, leader, refused); err != nil {
			t.Fatal(err)
		}
		// 99.5 hours confirmed: no star yet, half an hour to go; then 100.
		_, total, _ = s.YearTotals(ctx, v)
		if l := volunteers.LevelOf(total, bands); total != 5970 || l.Stars != 0 || l.ToNextHours() != "0.5" {
			t.Fatalf("after confirming: %d minutes, %+v", total, l)
		}
		add(fmt.Sprint(this)+"-01-04", "0.5", volunteers.SourceStaff)
		_, total, _ = s.YearTotals(ctx, v)
		if l := volunteers.LevelOf(total, bands); total != 6000 || l.Stars != 1 || l.NextAt != 18000 {
			t.Fatalf("at 100 hours: %d minutes, %+v", total, l)
		}
		// The band edges: 99.5 hours is no star, 100 is one.
		for _, c := range []struct{ minutes, stars int }{{5970, 0}, {5999, 0}, {6000, 1}, {17999, 1}, {18000, 2}, {90000, 5}, {200000, 5}} {
			if l := volunteers.LevelOf(c.minutes, volunteers.DefaultBands); l.Stars != c.stars {
				t.Errorf("%d minutes: %d stars, want %d", c.minutes, l.Stars, c.stars)
			}
		}
		if l := volunteers.LevelOf(5970, volunteers.DefaultBands); l.Stars != 0 || l.ToNextHours() != "0.5" {
			t.Errorf("99.5 hours: %+v", l)
		}
		if l := volunteers.LevelOf(90000, volunteers.DefaultBands); l.NextAt != 0 {
			t.Errorf("five stars has a next band: %+v", l)
		}
		// A street's own bands replace the default; bad bands are named.
		street := w.Principal(t, "street_admin")
		if err := s.SetBands(ctx, street, w.Street, []string{"50", "40", "", "", ""}); !fieldErr(err, "band_2") {
			t.Fatalf("falling bands: %v", err)
		}
		if err := s.SetBands(ctx, leader, w.Street, []string{"50"}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("a community leader sets the street's bands: %v", err)
		}
		if err := s.SetBands(ctx, street, w.Street, []string{"50", "109.5", "", "", ""}); err != nil {
			t.Fatal(err)
		}
		bands, _ = s.Bands(ctx, w.C1)
		if l := volunteers.LevelOf(6000, bands); l.Stars != 1 || l.NextAt != 6570 || l.ToNextHours() != "9.5" {
			t.Fatalf("with the street's bands: %v %+v", bands, l)
		}
		// Bad input names the field and saves nothing.
		_, err = s.AddRecord(ctx, leader, volunteers.RecordInput{VolunteerID: id, Hours: "25", What: "", Source: "x", ServedOn: "2099-01-01"})
		for _, f := range []string{"hours", "what", "source", "served_on"} {
			if !fieldErr(err, f) {
				t.Errorf("bad record: no error on %s: %v", f, err)
			}
		}
		// An activity's check-out, twice: one record.
		in := time.Now().Add(-3 * time.Hour)
		act := volunteers.ActivityInput{By: leader, CommunityID: w.C1, ActivityID: 77, PersonID: w.Objects["person"][apptest.InA],
			CheckIn: in.UnixMilli(), CheckOut: in.Add(150 * time.Minute).UnixMilli(), What: "重阳节敬老活动", Place: "活动室", ForWhom: "辖区老人"}
		for i := 0; i < 2; i++ {
			if err := s.RecordFromActivity(ctx, act); err != nil {
				t.Fatal(err)
			}
		}
		var n, minutes int
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(minutes), 0) FROM vol_record WHERE activity_id = 77 AND status = 'confirmed'`).Scan(&n, &minutes)
		if n != 1 || minutes != 150 {
			t.Fatalf("activity check-out: %d records, %d minutes", n, minutes)
		}
		act.PersonID = w.Objects["person"][apptest.InB]
		if err := s.RecordFromActivity(ctx, act); !errors.Is(err, volunteers.ErrNoVolunteer) {
			t.Fatalf("not a volunteer: %v", err)
		}
	})
}

// Volunteers, teams and records of community 2 are out of community 1's
// staff's reach; a grid worker reaches their grid's community; a grid
// worker's registration waits for confirmation.
func TestScope(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Volunteers
		gw, c2 := w.Principal(t, "grid_worker"), w.Principal(t, "community_admin_c2")
		vD := w.Objects["volunteer"][apptest.InD]
		if _, err := s.Get(ctx, gw, vD); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("grid worker reads community 2's volunteer: %v", err)
		}
		if _, err := s.Get(ctx, gw, w.Objects["volunteer"][apptest.InB]); err != nil {
			t.Fatalf("grid worker reads their community's volunteer: %v", err)
		}
		if _, err := s.GetTeam(ctx, c2, w.Objects["vol_team"][apptest.InA]); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("community 2 reads community 1's team: %v", err)
		}
		if _, err := s.GetRecord(ctx, c2, w.Objects["vol_record"][apptest.InA]); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("community 2 reads community 1's record: %v", err)
		}
		list, _ := s.List(ctx, c2, volunteers.Filter{})
		for _, v := range list {
			if v.CommunityID != w.C2 {
				t.Fatalf("community 2's list holds %s", v.Name)
			}
		}
		if _, err := s.CreateVolunteer(ctx, gw, volunteers.VolunteerInput{CommunityID: w.C2, Name: "越界", Phone: "13900001234"}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("grid worker registers in community 2: %v", err)
		}
		id, err := s.CreateVolunteer(ctx, gw, volunteers.VolunteerInput{CommunityID: w.C1, Name: "新志愿者", Phone: "13900001234"})
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := s.Get(ctx, gw, id); v.Status != volunteers.StatusPending || v.PhoneMask == "" || strings.Contains(v.PhoneMask, "13900001234") {
			t.Fatalf("grid worker's registration: %+v", v)
		}
		if err := s.AddMember(ctx, c2, w.Objects["vol_team"][apptest.InD], w.Objects["volunteer"][apptest.InA], ""); !fieldErr(err, "volunteer_id") {
			t.Fatalf("a volunteer of another community joins: %v", err)
		}
		// An outsider needs a name and a phone; the message names the field.
		_, err = s.CreateVolunteer(ctx, gw, volunteers.VolunteerInput{CommunityID: w.C1, Phone: "123"})
		if !fieldErr(err, "name") || !fieldErr(err, "phone") {
			t.Fatalf("outsider without name and phone: %v", err)
		}
	})
}

// The certificate shows the community, the masked ID number (never the
// full one), the hours by year and in all; printing it is audited. The
// person page shows the hours through the registry's panel.
func TestCertificateAndPersonPanel(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Volunteers
		leader := w.Principal(t, "community_admin")
		person := w.Objects["person"][apptest.InA]
		id, err := s.CreateVolunteer(ctx, leader, volunteers.VolunteerInput{PersonID: person})
		if err != nil {
			t.Fatal(err)
		}
		year := fmt.Sprint(time.Now().In(locale.Zone).Year() - 1)
		if _, err := s.AddRecord(ctx, leader, volunteers.RecordInput{VolunteerID: id, ServedOn: year + "-05-01", Hours: "12.5", What: "义诊", Source: "staff"}); err != nil {
			t.Fatal(err)
		}
		srv := w.Server(t)
		c := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		resp, body := c.Get(fmt.Sprintf("/volunteers/%d/certificate/print", id))
		if resp.StatusCode != 200 || !strings.Contains(body, "op-form") {
			t.Fatalf("certificate form: %d", resp.StatusCode)
		}
		resp, body = c.PostForm(fmt.Sprintf("/volunteers/%d/certificate/print", id), url.Values{})
		full := apptest.HeadIDNumber(apptest.InA)
		masked := privacy.MaskIDNumber(full)
		if resp.StatusCode != 200 || !strings.Contains(body, "志愿服务记录证明") || !strings.Contains(body, "12.5") || !strings.Contains(body, year) {
			t.Fatalf("certificate: %d", resp.StatusCode)
		}
		if strings.Contains(body, full) || !strings.Contains(body, masked) || !strings.Contains(body, "cert-id") {
			t.Fatal("the certificate shows the full ID number, or no masked one")
		}
		var n int
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'volunteers.certificate' AND object_id = ?`, fmt.Sprint(id)).Scan(&n)
		if n != 1 {
			t.Fatalf("%d audit entries for the certificate", n)
		}
		resp, body = c.Get(fmt.Sprintf("/registry/people/%d", person))
		if resp.StatusCode != 200 || !strings.Contains(body, "志愿服务") || !strings.Contains(body, "累计 12.5 小时") {
			t.Fatalf("person page: %d", resp.StatusCode)
		}
		// A grid worker may not print it.
		g := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		if resp, _ := g.PostForm(fmt.Sprintf("/volunteers/%d/certificate/print", id), url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("grid worker prints: %d", resp.StatusCode)
		}
	})
}

// A resident with a registry person registers on the portal (pending) and
// sees their hours once confirmed; a second registration is refused.
func TestPortal(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		person := w.Objects["person"][apptest.InB]
		if _, err := w.App.Auth.CreateUser(ctx, auth.System("test"), auth.NewUser{Username: "vol_resident", DisplayName: "居民乙户主", Password: apptest.Password,
			Roles: []auth.Role{auth.RoleResident}, PersonID: person, MFAExempt: true}); err != nil {
			t.Fatal(err)
		}
		srv := w.Server(t)
		res := apptest.NewClient(t, srv.URL).Login("vol_resident", apptest.Password)
		if resp, body := res.Get("/portal/volunteer"); resp.StatusCode != 200 || !strings.Contains(body, "portal-register") {
			t.Fatalf("portal: %d", resp.StatusCode)
		}
		if resp, body := res.PostForm("/portal/volunteer", url.Values{"phone": {"12"}}); resp.StatusCode != 422 || !strings.Contains(body, "联系电话") {
			t.Fatalf("bad phone: %d", resp.StatusCode)
		}
		if resp, _ := res.PostForm("/portal/volunteer", url.Values{"skills": {"唱歌"}, "availability": {"周末"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("register: %d", resp.StatusCode)
		}
		var id int64
		w.DB.QueryRowContext(ctx, `SELECT id FROM vol_volunteer WHERE person_id = ? AND status = 'pending' AND source = 'portal' AND community_id = ?`, person, w.C1).Scan(&id)
		if id == 0 {
			t.Fatal("no pending registration")
		}
		if resp, _ := res.PostForm("/portal/volunteer", url.Values{"skills": {"唱歌"}}); resp.StatusCode != 422 {
			t.Fatalf("register twice: %d", resp.StatusCode)
		}
		leader := w.Principal(t, "community_admin")
		// The home page's 待办 holds the registration.
		todos, err := w.App.Volunteers.Todos(ctx, leader, 5)
		if err != nil || len(todos) != 1 || !strings.Contains(fmt.Sprint(todos[0].Items), "居民乙户主") {
			t.Fatalf("todos: %v %+v", err, todos)
		}
		if err := w.App.Volunteers.Confirm(ctx, leader, id); err != nil {
			t.Fatal(err)
		}
		if _, err := w.App.Volunteers.AddRecord(ctx, leader, volunteers.RecordInput{VolunteerID: id, Hours: "3", What: "合唱演出", Source: "staff"}); err != nil {
			t.Fatal(err)
		}
		if resp, body := res.Get("/portal/volunteer"); resp.StatusCode != 200 || !strings.Contains(body, "已确认") || !strings.Contains(body, "累计 3 h") {
			t.Fatalf("portal after confirming: %d %s", resp.StatusCode, body)
		}
	})
}

// An import's check writes nothing and names each bad row and column; the
// commit writes every row (a WPS register with a title row above its
// header), joins the named team, and the same register again adds nothing.
func TestImport(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		leader := w.Principal(t, "community_admin")
		im := volunteers.Importer{S: w.App.Volunteers}
		dir := t.TempDir()
		write := func(name, content string) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		count := func() int {
			var n int
			w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM vol_volunteer`).Scan(&n)
			return n
		}
		before := count()
		bad := write("bad.csv", "翠苑社区志愿者花名册,,,\n姓名,身份证号,联系电话,累计服务时长\n张三,123,,5\n李四,,,abc\n")
		res, _, err := w.App.Imports.RunNow(ctx, leader, im, w.C1, bad, true)
		if err != nil {
			t.Fatal(err)
		}
		if res.Bad != 2 || res.Committed || count() != before {
			t.Fatalf("bad register: %+v, %d volunteers", res, count())
		}
		seen := map[int]string{}
		for _, p := range res.Problems {
			seen[p.Row] += p.Column + ";"
		}
		if !strings.Contains(seen[3], "身份证号") || !strings.Contains(seen[4], "累计服务时长") || !strings.Contains(seen[4], "联系电话") {
			t.Fatalf("problems: %+v", res.Problems)
		}
		good := write("good.csv", "翠苑社区志愿者花名册,,,,\n姓名,身份证号,联系电话,所属队伍,累计服务时长\n居民甲户主,"+apptest.HeadIDNumber(apptest.InA)+
			",,邻里守望服务队,20\n王五,,13912345678,甲巡逻队,\n")
		res, _, err = w.App.Imports.RunNow(ctx, leader, im, w.C1, good, false)
		if err != nil || res.Bad != 0 || res.Good != 2 || count() != before {
			t.Fatalf("dry run: %v %+v, %d volunteers", err, res, count())
		}
		res, _, err = w.App.Imports.RunNow(ctx, leader, im, w.C1, good, true)
		if err != nil || !res.Committed || count() != before+2 {
			t.Fatalf("commit: %v %+v", err, res)
		}
		var minutes, members int
		// Joined on the community too: Citus refuses a join that would
		// repartition the tables.
		if err := w.DB.QueryRowContext(ctx, `SELECT COALESCE(SUM(r.minutes), 0) FROM vol_record r JOIN vol_volunteer v ON v.community_id = r.community_id AND v.id = r.volunteer_id
			WHERE v.person_id = ?`, w.Objects["person"][apptest.InA]).Scan(&minutes); err != nil {
			t.Fatal(err)
		}
		if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM vol_member m JOIN vol_team t ON t.community_id = m.community_id AND t.id = m.team_id
			WHERE t.name IN ('邻里守望服务队', '甲巡逻队')`).Scan(&members); err != nil {
			t.Fatal(err)
		}
		if minutes != 1200 || members != 3 {
			t.Fatalf("imported hours %d, memberships %d", minutes, members)
		}
		res, _, err = w.App.Imports.RunNow(ctx, leader, im, w.C1, good, true)
		if err != nil || count() != before+2 || res.Summary[2].Count != 2 {
			t.Fatalf("again: %v %+v, %d volunteers", err, res, count())
		}
		// A spreadsheet with a merged title row above the header (as WPS
		// and the exports write them) is read from its header.
		var buf bytes.Buffer
		xw, err := importexport.NewWriter(&buf, importexport.Meta{Title: "翠苑社区志愿者花名册", ExportedAt: time.Now()}, []string{"序号", "姓名", "联系电话", "技能特长"})
		if err != nil {
			t.Fatal(err)
		}
		if err := xw.Write(1, "赵六", "13812345678", "电工"); err != nil {
			t.Fatal(err)
		}
		if err := xw.Close(); err != nil {
			t.Fatal(err)
		}
		res, _, err = w.App.Imports.RunNow(ctx, leader, im, w.C1, write("wps.xlsx", buf.String()), false)
		if err != nil || res.Bad != 0 || res.Good != 1 || res.Summary[0].Count != 1 || count() != before+2 {
			t.Fatalf("a register with a merged title row: %v %+v", err, res)
		}
	})
}
