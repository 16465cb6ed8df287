package main

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// importDuringReads imports a second ledger of the same size into a second
// community through the web flow (upload to /registry/import, check, commit),
// as a community leader would, while four other clients keep reading the first
// community's list and search pages. It reports the import's times, the
// readers' p99 while the commit runs, and the server's peak memory.
func importDuringReads(ctx context.Context, e *Env, grids []int64, samples []sample) ([]Row, error) {
	n := e.Flags.Residents
	var rows []Row
	path, _, err := ledgerFile(e.Dir, n, 1)
	if err != nil {
		return rows, err
	}
	var comm2 int64
	if err := e.DB.QueryRowContext(ctx, e.DB.Rebind(`SELECT id FROM org_unit WHERE code = ?`), secondCommunity).Scan(&comm2); err != nil {
		return rows, fmt.Errorf("second community: %v", err)
	}
	srv, err := startServe(e)
	if err != nil {
		return rows, err
	}
	defer srv.stop()
	reader, err := srv.login("leader", "Bench-Pass-2026")
	if err != nil {
		return rows, err
	}
	importer, err := srv.login(secondLeader, "Bench-Pass-2026")
	if err != nil {
		return rows, err
	}
	start := time.Now()
	loc, err := srv.upload(importer, "/registry/import", comm2, path)
	if err != nil {
		return rows, err
	}
	id := loc[strings.LastIndex(loc, "/")+1:]
	if err := srv.post(importer, loc+"/check"); err != nil {
		return rows, err
	}
	if err := waitState(ctx, e, srv, importer, loc, id, "checked", 30*time.Minute); err != nil {
		return rows, fmt.Errorf("check: %v", err)
	}
	checked := time.Since(start)

	// Readers run from the commit's start to its end.
	var list, search Latencies
	var failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := 0; c < 4; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := c; ; i += 4 {
				select {
				case <-stop:
					return
				default:
				}
				var status int
				t0 := time.Now()
				if i%2 == 0 {
					status, _ = srv.get(reader, fmt.Sprintf("/registry?grid=%d&page=%d", grids[i%len(grids)], 1+(i/len(grids))%20))
					list.Add(time.Since(t0))
				} else {
					s := samples[i%len(samples)]
					status, _ = srv.get(reader, "/api/v1/people?limit=50&q="+url.QueryEscape(string([]rune(s.Name)[:2])))
					search.Add(time.Since(t0))
				}
				if status != 200 {
					failed.Add(1)
				}
				time.Sleep(50 * time.Millisecond) // a person reading, not a load test
			}
		}(c)
	}
	commitStart := time.Now()
	err = srv.post(importer, loc+"/commit")
	if err == nil {
		err = waitState(ctx, e, srv, importer, loc, id, "committed", 25*time.Minute)
	}
	committed := time.Since(commitStart)
	close(stop)
	wg.Wait()
	if err != nil {
		return rows, fmt.Errorf("commit: %v", err)
	}
	peak := srv.status("VmHWM:")
	during := fmt.Sprintf("while a %d-row web import commits", n)
	rows = append(rows,
		Row{Area: "registry", Measure: fmt.Sprintf("import %d residents through the web: upload + check", n), Value: secs(checked)},
		Row{Area: "registry", Measure: fmt.Sprintf("import %d residents through the web: commit", n), Value: secs(committed)},
		Row{Area: "registry", Measure: "serve peak memory through the web import", Value: fmt.Sprintf("%d MB", peak>>20), Target: "≤ 500 MB", OK: peak <= 500<<20},
		Row{Area: "registry", Measure: "list page by grid, 4 readers " + during + ": p99", Value: ms(list.P(99)), Note: fmt.Sprintf("%d requests, %d failed", list.N(), failed.Load())},
		Row{Area: "registry", Measure: "search p99 (name, 2 characters) " + during, Value: ms(search.P(99)), Note: fmt.Sprintf("%d queries", search.N())},
	)
	return rows, nil
}

// waitState polls the upload until it reaches state (or fails, or its page,
// which shows the progress the server keeps in memory, stands still for ten
// minutes: on SQLite the stored progress waits for the import's commit).
func waitState(ctx context.Context, e *Env, srv *serveProc, token, page, id, state string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	last, moved := "", time.Now()
	for time.Now().Before(deadline) {
		var st string
		if err := e.DB.QueryRowContext(ctx, e.DB.Rebind(`SELECT state FROM import_upload WHERE id = ?`), id).Scan(&st); err != nil {
			return err
		}
		if shown := srv.body(token, page); shown != last {
			last, moved = shown, time.Now()
		} else if st != state && time.Since(moved) > 10*time.Minute {
			// (a commit's last phase, the sorted index builds, shows no rows)
			return fmt.Errorf("the import's page has not moved for ten minutes (state %s)", st)
		}
		switch st {
		case state:
			return nil
		case "failed":
			var msg string
			_ = e.DB.QueryRowContext(ctx, e.DB.Rebind(`SELECT COALESCE(error, '') FROM import_upload WHERE id = ?`), id).Scan(&msg) // best effort, for the message
			return fmt.Errorf("the import failed: %s", msg)
		}
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("the upload did not reach %q in %s", state, limit)
}

// body returns the page's text (empty on failure).
func (s *serveProc) body(token, path string) string {
	req, _ := http.NewRequest("GET", s.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.client.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// upload posts file as the import form does and returns where it redirects.
func (s *serveProc) upload(token, path string, community int64, file string) (string, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := mw.WriteField("community_id", strconv.FormatInt(community, 10))
		if err == nil {
			var f *os.File
			if f, err = os.Open(file); err == nil {
				var part io.Writer
				if part, err = mw.CreateFormFile("file", filepath.Base(file)); err == nil {
					_, err = io.Copy(part, f)
				}
				f.Close()
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest("POST", s.base+path, pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return s.redirected(token, req)
}

// post sends an empty form and expects a redirect.
func (s *serveProc) post(token, path string) error {
	req, _ := http.NewRequest("POST", s.base+path, strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	_, err := s.redirected(token, req)
	return err
}

func (s *serveProc) redirected(token string, req *http.Request) (string, error) {
	req.Header.Set("Authorization", "Bearer "+token)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 2000))
		return "", fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	return resp.Header.Get("Location"), nil
}

// status reads one line of the server's /proc status, in bytes.
func (s *serveProc) status(key string) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, key) {
			f := strings.Fields(line)
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
