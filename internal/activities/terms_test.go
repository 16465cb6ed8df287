package activities_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"linli/internal/activities"
	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/importexport"
	"linli/internal/locale"
	"linli/internal/org"
)

// A street edits its topic list: it adds a topic and renames a built-in;
// an activity of one of its communities may use them, one of another
// street may not (refused naming 活动主题); the figures, the activity and
// the ledger import use the new labels; a retired topic is refused for a
// new activity while an old one keeps its label and may be edited.
func TestStreetTerms(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Activities
		street := w.Principal(t, "street_admin")
		leader := w.Principal(t, "community_admin")

		// Another street with a community and its leader.
		sys := auth.System("test")
		s2, err := w.App.Org.Create(ctx, sys, org.Input{ParentID: w.District, Level: org.Street, Name: "别的街道", Code: "330106005000"})
		if err != nil {
			t.Fatal(err)
		}
		c3, err := w.App.Org.Create(ctx, sys, org.Input{ParentID: s2, Level: org.Community, Name: "三号社区", Code: "330106005001"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.App.Auth.CreateUser(ctx, sys, auth.NewUser{Username: "leader_c3", DisplayName: "三号书记", Password: apptest.Password,
			Roles: []auth.Role{auth.RoleCommunityAdmin}, Scope: []int64{c3}, MFAExempt: true}); err != nil {
			t.Fatal(err)
		}
		other := w.Principal(t, "leader_c3")

		// Nothing edited: the built-in list, and reading it writes nothing.
		terms, err := s.StreetTerms(ctx, street, w.Street)
		if err != nil || len(terms.Topics) != len(activities.Topics) || terms.Topics[1].Label != "法律" {
			t.Fatalf("default list: %v %+v", err, terms)
		}
		var rows int
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM activity_term`).Scan(&rows)
		if rows != 0 {
			t.Fatalf("%d term rows after a read", rows)
		}

		// A community's leader may not edit the street's list.
		if _, err := s.ChangeTerm(ctx, leader, activities.TermChange{Street: w.Street, Kind: activities.KindTopic, Op: "add", Label: "反诈"}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("a leader adds a topic: %v", err)
		}
		code, err := s.ChangeTerm(ctx, street, activities.TermChange{Street: w.Street, Kind: activities.KindTopic, Op: "add", Label: "反诈"})
		if err != nil || !strings.HasPrefix(code, "t-") {
			t.Fatalf("add: %q %v", code, err)
		}
		if _, err := s.ChangeTerm(ctx, street, activities.TermChange{Street: w.Street, Kind: activities.KindTopic, Op: "rename", Code: "law", Label: "法治"}); err != nil {
			t.Fatal(err)
		}
		// Bad labels: empty, a duplicate in the same list, too long.
		for _, c := range []struct{ label, want string }{{" ", "请填写"}, {"法治", "已有"}, {strings.Repeat("长", 21), "不能超过"}} {
			_, err := s.ChangeTerm(ctx, street, activities.TermChange{Street: w.Street, Kind: activities.KindTopic, Op: "add", Label: c.label})
			var errs *i18n.Errors
			if !errors.As(err, &errs) || !strings.Contains(errs.For("topic_label"), c.want) || !strings.Contains(errs.For("topic_label"), "主题") {
				t.Fatalf("label %q: %v", c.label, err)
			}
		}
		// The same label in the other list is fine.
		if _, err := s.ChangeTerm(ctx, street, activities.TermChange{Street: w.Street, Kind: activities.KindFormat, Op: "add", Label: "反诈"}); err != nil {
			t.Fatalf("a format named as a topic: %v", err)
		}
		// Move the new topic up one: it stays last but one, the rest in order.
		if _, err := s.ChangeTerm(ctx, street, activities.TermChange{Street: w.Street, Kind: activities.KindTopic, Op: "up", Code: code}); err != nil {
			t.Fatal(err)
		}
		terms, _ = s.StreetTerms(ctx, street, w.Street)
		n := len(terms.Topics)
		if n != len(activities.Topics)+1 || terms.Topics[n-2].Code != code || terms.Topics[n-1].Code != "other" || terms.Topics[1].Label != "法治" {
			t.Fatalf("after the move: %v", labels(terms.Topics))
		}

		// A community of the street uses the new topic; another street's may not.
		start := soon(48 * time.Hour)
		in := activities.Input{OrgID: w.C1, Title: "反诈讲座", Topic: code, Format: "lecture", StartsAt: start, EndsAt: start.Add(time.Hour), Publish: true}
		id, err := s.Create(ctx, leader, in)
		if err != nil {
			t.Fatalf("create with the street's topic: %v", err)
		}
		in.OrgID = c3
		_, err = s.Create(ctx, other, in)
		var errs *i18n.Errors
		if !errors.As(err, &errs) || !strings.Contains(errs.For("topic"), "主题") {
			t.Fatalf("another street's topic: %v", err)
		}
		in.OrgID, in.Topic, in.Title = w.C1, "law", "普法讲座"
		lawID, err := s.Create(ctx, leader, in)
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.Get(ctx, leader, lawID)
		if err != nil || a.TopicName() != "法治" {
			t.Fatalf("renamed label: %v %q", err, a.TopicName())
		}
		list, _, err := s.List(ctx, street, activities.Filter{Topic: code})
		if err != nil || len(list) != 1 || list[0].TopicName() != "反诈" {
			t.Fatalf("list by the new topic: %v %d", err, len(list))
		}

		// Retire the new topic: refused for a new activity, the old one keeps
		// its label and may still be saved with it.
		if _, err := s.ChangeTerm(ctx, street, activities.TermChange{Street: w.Street, Kind: activities.KindTopic, Op: "retire", Code: code}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ChangeTerm(ctx, street, activities.TermChange{Street: w.Street, Kind: activities.KindTopic, Op: "retire", Code: "other"}); err == nil {
			t.Fatal("retired 其他")
		}
		in.Topic, in.Title = code, "又一场反诈讲座"
		if _, err := s.Create(ctx, leader, in); !errors.As(err, &errs) || errs.For("topic") == "" {
			t.Fatalf("a retired topic for a new activity: %v", err)
		}
		a, err = s.Get(ctx, leader, id)
		if err != nil || a.TopicName() != "反诈" {
			t.Fatalf("the old activity's label: %v %q", err, a.TopicName())
		}
		in.Title = "反诈讲座（改）"
		if err := s.Update(ctx, leader, id, in); err != nil {
			t.Fatalf("edit keeping a retired topic: %v", err)
		}

		// Figures: by the street's labels, the retired topic still counted.
		f, err := s.Stats(ctx, street, start.Year(), 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, c := range f.TopicCounts {
			got[c.Label] = c.N
		}
		if got["反诈"] != 1 || got["法治"] != 1 || got["法律"] != 0 {
			t.Fatalf("figures by topic: %+v", f.TopicCounts)
		}
		if _, ok := got["法律"]; ok {
			t.Fatalf("the old label in the figures: %+v", f.TopicCounts)
		}

		// The ledger import matches the renamed label; a retired one is 其他.
		y := time.Now().In(locale.Zone).Year() - 1
		var buf bytes.Buffer
		xw, _ := importexport.NewWriter(&buf, importexport.Meta{Title: "台账", ExportedAt: time.Now()}, []string{"日期", "活动名称", "类别", "形式"})
		xw.Write(fmt.Sprintf("%d-03-05", y), "法治进社区", "法治宣传", "讲座")
		xw.Write(fmt.Sprintf("%d-03-06", y), "反诈宣传", "反诈", "反诈")
		if err := xw.Close(); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "ledger.xlsx")
		os.WriteFile(p, buf.Bytes(), 0o600)
		res, _, err := w.App.Imports.RunNow(ctx, leader, activities.Importer{S: s}, w.C1, p, true)
		if err != nil || !res.Committed {
			t.Fatalf("import: %v %+v", err, res)
		}
		var topic, format string
		w.DB.QueryRowContext(ctx, `SELECT topic FROM activity WHERE community_id = ? AND title = '法治进社区'`, w.C1).Scan(&topic)
		if topic != "law" {
			t.Fatalf("imported 法治宣传 as %q", topic)
		}
		w.DB.QueryRowContext(ctx, `SELECT topic, format FROM activity WHERE community_id = ? AND title = '反诈宣传'`, w.C1).Scan(&topic, &format)
		if topic != "other" || !strings.HasPrefix(format, "f-") {
			t.Fatalf("imported 反诈/反诈 as %q/%q", topic, format)
		}

		// The other street's lists are untouched.
		t3, err := s.Choices(ctx, []int64{c3}, activities.KindTopic, "", true)
		if err != nil || len(t3) != len(activities.Topics) || t3[1].Label != "法律" {
			t.Fatalf("the other street's list: %v %v", err, labels(t3))
		}
	})
}

// The page: street staff add and rename, a refusal re-renders with the
// field's message, a community's leader sees no list and may not post.
func TestStreetTermsPage(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		c := apptest.NewClient(t, srv.URL).Login("street_admin", apptest.Password)
		street := fmt.Sprint(w.Street)
		if resp, body := c.Get("/activities/terms"); resp.StatusCode != 200 || !strings.Contains(body, "户外宣传") {
			t.Fatalf("page: %d", resp.StatusCode)
		}
		resp, _ := c.PostForm("/activities/terms", url.Values{"street": {street}, "kind": {"format"}, "op": {"add"}, "label": {"线上直播"}})
		if resp.StatusCode != 303 {
			t.Fatalf("add: %d", resp.StatusCode)
		}
		if _, body := c.Get("/activities/terms?street=" + street); !strings.Contains(body, "线上直播") {
			t.Fatal("the added format is not listed")
		}
		for _, path := range []string{"/activities/new", "/activities", "/activities/stats"} {
			if _, body := c.Get(path); !strings.Contains(body, "线上直播") {
				t.Fatalf("%s does not offer the added format", path)
			}
		}
		resp, body := c.PostForm("/activities/terms", url.Values{"street": {street}, "kind": {"format"}, "op": {"rename"}, "code": {"show"}, "label": {"讲座"}})
		if resp.StatusCode != 422 || !strings.Contains(body, "已有") {
			t.Fatalf("duplicate rename: %d", resp.StatusCode)
		}
		l := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		if resp, body := l.Get("/activities/terms"); resp.StatusCode != 200 || strings.Contains(body, "户外宣传") {
			t.Fatalf("a leader's page: %d", resp.StatusCode)
		}
		if resp, _ := l.PostForm("/activities/terms", url.Values{"street": {street}, "kind": {"format"}, "op": {"add"}, "label": {"别的"}}); resp.StatusCode != 403 {
			t.Fatalf("a leader's post: %d", resp.StatusCode)
		}
	})
}

func labels(list []*activities.Term) []string {
	var out []string
	for _, x := range list {
		out = append(out, x.Code+"="+x.Label)
	}
	return out
}
