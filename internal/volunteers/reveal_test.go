package volunteers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/auth"
)

// An outsider's phone is masked for everyone; a leader who gives a reason
// sees it in full once, audited; a grid worker may not, a missing reason
// is refused by field, and neither leaves an audit entry.
func TestRevealPhone(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		vid := w.Objects["volunteer"][apptest.InA]
		const full = "13912345671" // the fixture outsider of A
		srv := w.Server(t)
		leader := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		gw := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		page := fmt.Sprintf("/volunteers/%d", vid)
		audits := func() int {
			var n int
			w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'volunteers.reveal' AND object_id = ?`, fmt.Sprint(vid)).Scan(&n)
			return n
		}

		// Masked by default, for both; only the leader is offered the reveal.
		resp, body := leader.Get(page)
		if resp.StatusCode != 200 || strings.Contains(body, full) || !strings.Contains(body, "139****5671") || !strings.Contains(body, `id="reveal-form"`) {
			t.Fatalf("leader's page: %d", resp.StatusCode)
		}
		resp, body = gw.Get(page)
		if resp.StatusCode != 200 || strings.Contains(body, full) || strings.Contains(body, `id="reveal-form"`) {
			t.Fatalf("grid worker's page: %d", resp.StatusCode)
		}

		// Refused: the grid worker; the leader without a reason.
		if resp, body := gw.PostForm(page+"/phone/reveal", url.Values{"reason": {"通知"}}); resp.StatusCode != http.StatusForbidden || strings.Contains(body, full) {
			t.Fatalf("grid worker reveals: %d", resp.StatusCode)
		}
		if _, err := w.App.Volunteers.RevealPhone(ctx, w.Principal(t, "grid_worker"), vid, "通知"); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("grid worker reveals in the service: %v", err)
		}
		if resp, body := leader.PostForm(page+"/phone/reveal", url.Values{"reason": {"  "}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, "查看原因") || strings.Contains(body, full) {
			t.Fatalf("no reason: %d", resp.StatusCode)
		}
		// Out of scope: community 2's leader on community 1's volunteer.
		if _, err := w.App.Volunteers.RevealPhone(ctx, w.Principal(t, "community_admin_c2"), vid, "核对"); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("another community's leader: %v", err)
		}
		if n := audits(); n != 0 {
			t.Fatalf("%d reveals audited before any", n)
		}

		// Revealed once, with its audit entry (who, why); the next visit is masked.
		resp, body = leader.PostForm(page+"/phone/reveal", url.Values{"reason": {"通知明天的理发服务"}})
		if resp.StatusCode != 200 || !strings.Contains(body, full) || !strings.Contains(body, `id="revealed-notice"`) {
			t.Fatalf("reveal: %d", resp.StatusCode)
		}
		var detail string
		w.DB.QueryRowContext(ctx, `SELECT detail FROM audit_log WHERE action = 'volunteers.reveal' AND object_id = ?`, fmt.Sprint(vid)).Scan(&detail)
		if audits() != 1 || !strings.Contains(detail, "通知明天的理发服务") {
			t.Fatalf("audit: %d, %q", audits(), detail)
		}
		if _, body := leader.Get(page); strings.Contains(body, full) {
			t.Fatal("the phone stays revealed")
		}
	})
}
