package importflow_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/db"
)

// residentsLedger is a residents ledger of n people, each the head of a
// household in a new dwelling of building 77幢 in grid A.
func residentsLedger(n int) string {
	var b strings.Builder
	b.WriteString("居民台账\n姓名,性别,出生日期,楼栋,房号,网格,与户主关系\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "长测%d,男,1960-01-%02d,77幢,%d,网格甲A,户主\n", i, 1+i%28, 1000+i)
	}
	return b.String()
}

// A commit through the web flow that takes a while (it is held at its first
// progress report until the test lets it go) must not stop anyone else: the
// importer sees its progress, others read pages, and a write that cannot have
// the writer is told so in Chinese after a bounded wait instead of hanging. It
// used to deadlock: the progress was written through the pool whose one
// SQLite writer the import's transaction held, and every page view that noted
// "last seen" queued behind it.
func TestLongCommitKeepsServerUsable(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		const rows = 6000 // progress is reported every 2,000 rows
		srv := w.Server(t)
		importer := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		reader := apptest.NewClient(t, srv.URL).Login("street_admin", apptest.Password)
		writer := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		for _, c := range []*apptest.Client{importer, reader, writer} {
			c.HTTP.Timeout = 30 * time.Second // a hang fails the test instead of the run
		}
		// Whatever waits for the writer now waits for the whole commit, so that
		// a page view that did would time out.
		w.DB.SetWriterWait(time.Hour)

		resp, _ := upload(t, importer, "/registry/import", itoa(w.C1), "long.csv", residentsLedger(rows))
		if resp.StatusCode != 303 {
			t.Fatalf("upload: %d", resp.StatusCode)
		}
		page := resp.Header.Get("Location")
		importer.PostForm(page+"/check", nil)
		if body := waitDone(t, importer, page); !strings.Contains(body, `id="commit-button"`) {
			t.Fatalf("the check must pass:\n%s", mainOf(body))
		}

		// The reader's session is due its once-a-minute "last seen" note,
		// which is a write: reading must still not wait for the import.
		if _, err := w.DB.ExecContext(t.Context(), `UPDATE auth_session SET last_seen_at = last_seen_at - 120000`); err != nil {
			t.Fatal(err)
		}

		// serve holds the heap tighter while a run of its own goes on.
		var running atomic.Int32
		w.App.Imports.Running = func(start bool) {
			if start {
				running.Add(1)
			} else {
				running.Add(-1)
			}
		}
		inside, release := make(chan int), make(chan struct{})
		w.App.Imports.SetProgressHook(func(_ string, commit bool, n int) {
			if commit && n == 2000 {
				inside <- n
				<-release
			}
		})
		released := false
		let := func() {
			if !released {
				released = true
				close(release)
			}
		}
		defer let()
		if resp, _ := importer.PostForm(page+"/commit", nil); resp.StatusCode != 303 {
			t.Fatalf("commit: %d", resp.StatusCode)
		}
		select {
		case <-inside:
		case <-time.After(time.Minute):
			t.Fatal("the commit never reported progress")
		}
		if n := running.Load(); n != 1 {
			t.Fatalf("%d runs told as running during the commit, want 1", n)
		}

		// The commit now holds its transaction (on SQLite, the one writer).
		for _, path := range []string{"/", "/registry", "/registry?q=" + "长测", "/cases"} {
			if resp, body := reader.Get(path); resp.StatusCode != 200 {
				t.Fatalf("GET %s during the commit: %d\n%s", path, resp.StatusCode, mainOf(body))
			}
		}
		// The importer sees how far it has come, out of the check's total.
		resp, body := importer.Get(page)
		if resp.StatusCode != 200 || !strings.Contains(body, `id="import-running"`) ||
			!regexp.MustCompile(`2000 / 6000 行（33%）`).MatchString(body) {
			t.Fatalf("progress page during the commit: %d\n%s", resp.StatusCode, mainOf(body))
		}
		// The import can be found again from the import page.
		if _, body := importer.Get("/registry/import"); !strings.Contains(body, `href="`+page+`"`) {
			t.Fatal("the running import is not listed on the import page")
		}
		// A write of someone else's: on SQLite it cannot have the writer and is
		// told why after the bounded wait; on PostgreSQL it goes through beside
		// the import.
		w.DB.SetWriterWait(300 * time.Millisecond)
		resp, body = writer.PostForm("/logout", nil)
		if w.DB.Dialect() == db.SQLite {
			if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "系统正在导入台账，请稍后再试") {
				t.Fatalf("a write during the commit: %d\n%s", resp.StatusCode, mainOf(body))
			}
			// Nothing of it happened: the session still works.
			if resp, _ := writer.Get("/"); resp.StatusCode != 200 {
				t.Fatalf("the refused logout ended the session: %d", resp.StatusCode)
			}
		} else if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("a write beside the commit on PostgreSQL: %d\n%s", resp.StatusCode, mainOf(body))
		}

		let()
		body = waitDone(t, importer, page)
		if !strings.Contains(body, `id="import-committed"`) {
			t.Fatalf("the commit did not finish:\n%s", mainOf(body))
		}
		w.App.Imports.Wait()
		if n := running.Load(); n != 0 {
			t.Fatalf("%d runs still told as running after the commit", n)
		}
		var n int
		if err := w.DB.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM reg_person WHERE name LIKE '长测%'`).Scan(&n); err != nil || n != rows {
			t.Fatalf("people after the commit: %d (%v)", n, err)
		}
		// The bookkeeping that waited is written once the writer is free.
		if err := w.App.Auth.FlushBookkeeping(t.Context()); err != nil {
			t.Fatalf("bookkeeping after the commit: %v", err)
		}
	})
}
