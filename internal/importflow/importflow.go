// Package importflow is the one way ledgers come into Linli: upload, see the
// detected column mapping and adjust it, check every row without saving (a dry
// run with a downloadable error report), then commit all rows or none. Modules
// provide an Importer; this package owns the staging of uploads, the background
// runs and their progress, and the pages.
package importflow

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/importexport"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the staging tables.
var Migrations = db.NewMigrations("importflow", migrationFS).
	ByCommunity("import_upload", "import_upload_chunk")

// Request is one run of an importer over a staged file.
type Request struct {
	Source      *importexport.Source
	Mapping     *importexport.Mapping
	CommunityID int64
	Commit      bool
	// ExpectedRows is how many rows the check found (0 = unknown): an importer
	// may prepare differently for a very large commit.
	ExpectedRows int
	// Progress is called now and then with the number of rows read so far.
	Progress func(rows int)
	// GridID is the grid new buildings go in when their row names none (0: the
	// community's only grid if it has one, else none: 未划分网格).
	GridID int64
}

// Line is one figure of a run's summary ("新建楼栋 12").
type Line struct {
	Label string `json:"label"`
	Count int    `json:"count"`
}

// Result is what a check or commit found.
type Result struct {
	Rows      int                    `json:"rows"`
	Good      int                    `json:"good"`
	Bad       int                    `json:"bad"`
	Problems  []importexport.Problem `json:"problems"`
	Summary   []Line                 `json:"summary"`
	NewPlaces []string               `json:"new_places"`
	// PlaceTree is the new places grouped by estate and building (GroupPlaces).
	PlaceTree []NewEstate `json:"place_tree,omitempty"`
	Committed bool        `json:"committed"`
	// Groups count the rows by column and kind of problem, exactly, however
	// many problems are kept: one wrong mapping or missing column shows as
	// one line ("C 列（网格）… 415 行") before the rows. In the order the
	// kinds were first met; SortedGroups puts the largest first.
	Groups []importexport.ProblemGroup `json:"groups,omitempty"`
	// Changes are the existing records the run updates, with what changes,
	// so that the check says who before the commit: the first MaxChangesKept;
	// Changed counts them all.
	Changes []importexport.Change `json:"changes,omitempty"`
	Changed int                   `json:"changed,omitempty"`

	groupIndex map[string]int // column and kind → index in Groups
	groupLast  []int          // per group, the last row counted
}

// MaxProblemsKept bounds how many problems a result carries (the count is exact).
const MaxProblemsKept = 100000

// MaxChangesKept bounds how many changes a result carries (Changed is exact).
const MaxChangesKept = 2000

// AddChange records an existing record the run updates.
func (r *Result) AddChange(c importexport.Change) {
	r.Changed++
	if len(r.Changes) < MaxChangesKept {
		r.Changes = append(r.Changes, c)
	}
}

// maxGroups bounds the groups; problems of further kinds are counted under
// one more group, "other problems".
const maxGroups = 100

// AddProblem records a bad cell, keeping at most MaxProblemsKept, and counts
// its row in the group of its column and kind (p.Kind, else its message).
func (r *Result) AddProblem(p importexport.Problem) {
	if len(r.Problems) < MaxProblemsKept {
		r.Problems = append(r.Problems, p)
	}
	kind := p.Kind
	if kind == "" {
		kind = p.Reason
	}
	if r.groupIndex == nil {
		r.groupIndex = map[string]int{}
		for i, g := range r.Groups { // a result read back from JSON
			r.groupIndex[g.Column+"\x00"+g.Kind] = i
			r.groupLast = append(r.groupLast, 0)
		}
	}
	key := p.Column + "\x00" + kind
	i, ok := r.groupIndex[key]
	if !ok {
		g := importexport.ProblemGroup{Column: p.Column, Kind: kind, Reason: p.Reason, FirstRow: p.Row}
		if len(r.Groups) >= maxGroups {
			key = "\x00other"
			g = importexport.ProblemGroup{Kind: key, Reason: i18n.T("importflow.other_problems"), FirstRow: p.Row}
		}
		if i, ok = r.groupIndex[key]; !ok {
			i = len(r.Groups)
			r.groupIndex[key] = i
			r.Groups = append(r.Groups, g)
			r.groupLast = append(r.groupLast, -1)
		}
	}
	// A row with two problems of one kind in one column (two unknown tags)
	// counts once; rows arrive in order, or (added at the end) once each.
	if r.groupLast[i] != p.Row || p.Row == 0 {
		r.Groups[i].Rows++
		r.groupLast[i] = p.Row
	}
}

// SortedGroups returns the groups, most rows first (then in the order of
// their first row).
func (r *Result) SortedGroups() []importexport.ProblemGroup {
	out := append([]importexport.ProblemGroup(nil), r.Groups...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Rows != out[j].Rows {
			return out[i].Rows > out[j].Rows
		}
		return out[i].FirstRow < out[j].FirstRow
	})
	return out
}

// Importer is a module's ledger import.
type Importer interface {
	// Kind names the import in URLs and on the command line ("places", "residents").
	Kind() string
	// Title is the page title ("导入楼栋房屋").
	Title() string
	// Perm is required to import.
	Perm() auth.Perm
	// Fields are the columns the ledger may have.
	Fields() []importexport.Field
	// Run checks every row, and with req.Commit writes them all in one transaction.
	// A commit must refuse (and write nothing) when any row is bad.
	Run(ctx context.Context, p *auth.Principal, req Request) (*Result, error)
}

// States of a staged upload.
const (
	StateStaged     = "staged"
	StateChecking   = "checking"
	StateChecked    = "checked"
	StateCommitting = "committing"
	StateCommitted  = "committed"
	StateFailed     = "failed"
)

// Upload is a staged ledger.
type Upload struct {
	ID          string
	Kind        string
	UserID      int64
	CommunityID int64
	Filename    string
	Size        int64
	Assignments map[int]string // column index → field key, as the user last set them
	GridID      int64          // grid for new buildings whose row names none (0: default)
	State       string
	Progress    int64 // rows read so far by a running check or commit
	// Total is the rows a running commit will read (the check's count; 0 while
	// checking, when it is not known yet).
	Total     int64
	Result    *Result
	Error     string
	CreatedAt int64
	UpdatedAt int64
}

// Running reports whether a check or commit is under way.
func (u *Upload) Running() bool { return u.State == StateChecking || u.State == StateCommitting }

// Percent is how far a running commit has read, 0–100 (0 when the total is
// not known).
func (u *Upload) Percent() int64 {
	if u.Total <= 0 {
		return 0
	}
	return min(100, u.Progress*100/u.Total)
}

// Finishing reports whether a running commit has read every row and is
// writing the rest (indexes, households, statistics).
func (u *Upload) Finishing() bool {
	return u.State == StateCommitting && u.Total > 0 && u.Progress >= u.Total
}

// Service stages uploads and runs importers.
type Service struct {
	DB     *db.DB
	Audit  *audit.Log
	Log    *slog.Logger
	Limits importexport.Limits
	// TempDir holds files while a run reads them ("" = the system default).
	TempDir string
	// Communities lists the communities a user may import into (set at wiring).
	Communities func(ctx context.Context, p *auth.Principal) ([]CommunityOption, error)
	// Grids lists a community's grids, offered for the new buildings of a
	// ledger (set at wiring).
	Grids func(ctx context.Context, communityID int64) ([]CommunityOption, error)

	// ProgressEvery is how often a run's progress is written to its upload
	// row (0 = every 2 s), for other instances and after a restart.
	ProgressEvery time.Duration

	mu        sync.Mutex
	importers map[string]Importer
	wg        sync.WaitGroup
	// live holds the runs of this instance (upload id → *liveRun): their
	// progress is read from here, because a commit on SQLite holds the only
	// writer and its progress cannot be written until it ends.
	live sync.Map
	// progressHook, when set, is called by a run's progress reports (tests
	// use it to act while a commit holds the writer).
	progressHook func(uploadID string, commit bool, rows int)
	// Running, when set, is called with true as a run of this instance
	// starts and false as it ends (serve holds the heap tighter meanwhile).
	Running func(start bool)
}

// SetProgressHook makes every progress report of a run call f as well, in the
// run's goroutine: tests use it to act while a commit is under way.
func (s *Service) SetProgressHook(f func(uploadID string, commit bool, rows int)) {
	s.progressHook = f
}

// liveRun is the progress of a run of this instance.
type liveRun struct {
	rows  atomic.Int64
	total int64
}

// Register adds an importer.
func (s *Service) Register(im Importer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.importers == nil {
		s.importers = map[string]Importer{}
	}
	s.importers[im.Kind()] = im
}

// Importer returns the importer of kind.
func (s *Service) Importer(kind string) (Importer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	im, ok := s.importers[kind]
	return im, ok
}

// Wait blocks until background runs have finished (shutdown and tests).
func (s *Service) Wait() { s.wg.Wait() }

const chunkSize = 4 << 20

// expiry is how long an upload waits for its owner.
const expiry = 24 * time.Hour

// staleAfter: a run whose progress has not moved for this long died with its
// instance and may be started again.
const staleAfter = 3 * time.Minute

// Stage stores an uploaded file for im, owned by p, to be imported into
// communityID, and detects its columns (a file that cannot be read is refused
// here, before anything is stored).
func (s *Service) Stage(ctx context.Context, p *auth.Principal, im Importer, communityID int64, filename string, r io.Reader) (string, error) {
	if err := p.Require(im.Perm()); err != nil {
		return "", err
	}
	if !p.Scope.AllowsCommunity(communityID) {
		return "", auth.ErrForbidden
	}
	tmp, err := os.CreateTemp(s.TempDir, "linli-upload-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	max := s.limits().MaxFileBytes
	n, err := io.Copy(tmp, io.LimitReader(r, max+1))
	if err != nil {
		return "", err
	}
	if n > max {
		return "", &i18n.Error{Code: "too_large", Msg: i18n.M("err.too_large", "max", fmt.Sprintf("%d MB", max>>20))}
	}
	src, err := importexport.OpenReader(tmp, n, filename, s.limits())
	if err != nil {
		return "", err
	}
	m, err := src.Detect("", im.Fields())
	src.Close()
	if err != nil {
		return "", err
	}
	id := newID()
	assignments := map[int]string{}
	for _, c := range m.Columns {
		assignments[c.Index] = c.Field
	}
	mapping, _ := json.Marshal(assignments)
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		now := db.Now()
		if _, err := tx.ExecContext(ctx, `DELETE FROM import_upload WHERE created_at < ?`, now-expiry.Milliseconds()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO import_upload (id, kind, user_id, community_id, filename, size, mapping, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, im.Kind(), p.UserID, communityID, truncate(filepath.Base(filename), 200), n, string(mapping), StateStaged, now, now); err != nil {
			return err
		}
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return err
		}
		buf := make([]byte, chunkSize)
		for seq := 0; ; seq++ {
			k, err := io.ReadFull(tmp, buf)
			if k > 0 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO import_upload_chunk (community_id, upload_id, seq, data) VALUES (?, ?, ?, ?)`, communityID, id, seq, buf[:k]); err != nil {
					return err
				}
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				break
			}
			if err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "import.upload", "import_upload", id, communityID, audit.Success).
			WithDetail(map[string]any{"kind": im.Kind(), "file": filepath.Base(filename), "bytes": n}))
	})
	return id, err
}

func (s *Service) limits() importexport.Limits {
	l := s.Limits
	if l.MaxFileBytes == 0 {
		l.MaxFileBytes = 300 << 20
	}
	return l
}

func newID() string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Get returns an upload of p's (others' uploads are not found), looked up by
// its id within the communities p wholly reaches (the only ones p stages
// uploads in).
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (*Upload, error) {
	u := &Upload{}
	var mapping, result string
	sc, args := p.Scope.SQL(s.DB.Dialect(), "community_id", "")
	err := s.DB.QueryRowContext(ctx, `SELECT id, kind, user_id, community_id, COALESCE(grid_id, 0), filename, size, mapping, state, progress, result, error, created_at, updated_at
		FROM import_upload WHERE id = ? AND user_id = ? AND `+sc, append([]any{id, p.UserID}, args...)...).
		Scan(&u.ID, &u.Kind, &u.UserID, &u.CommunityID, &u.GridID, &u.Filename, &u.Size, &mapping, &u.State, &u.Progress, &result, &u.Error, &u.CreatedAt, &u.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if !p.Scope.AllowsCommunity(u.CommunityID) {
		return nil, auth.ErrNotFound
	}
	_ = json.Unmarshal([]byte(mapping), &u.Assignments)
	if result != "" {
		u.Result = &Result{}
		_ = json.Unmarshal([]byte(result), u.Result)
	}
	if u.State == StateCommitting && u.Result != nil {
		u.Total = int64(u.Result.Rows)
	}
	s.overlayLive(u)
	return u, nil
}

// overlayLive brings a stored upload up to date: the progress of a run of this
// instance is in memory, and such a run is alive however long its row has not
// been written; a run elsewhere whose row stopped moving died with its instance.
func (s *Service) overlayLive(u *Upload) {
	if lr, ok := s.live.Load(u.ID); ok {
		u.Progress = max(u.Progress, lr.(*liveRun).rows.Load())
	} else if u.Running() && db.Now()-u.UpdatedAt > staleAfter.Milliseconds() {
		u.State, u.Error = StateFailed, i18n.T("importflow.stale")
	}
}

// Recent lists p's uploads of kind from the last day, newest first, so that a
// user who left a running import finds it again.
func (s *Service) Recent(ctx context.Context, p *auth.Principal, kind string) ([]*Upload, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT id, community_id, filename, size, state, progress, updated_at, created_at
		FROM import_upload WHERE user_id = ? AND kind = ? AND created_at >= ? ORDER BY created_at DESC LIMIT 20`, p.UserID, kind, db.Now()-expiry.Milliseconds())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Upload
	for rows.Next() {
		u := &Upload{Kind: kind, UserID: p.UserID}
		if err := rows.Scan(&u.ID, &u.CommunityID, &u.Filename, &u.Size, &u.State, &u.Progress, &u.UpdatedAt, &u.CreatedAt); err != nil {
			return nil, err
		}
		if !p.Scope.AllowsCommunity(u.CommunityID) {
			continue
		}
		s.overlayLive(u)
		out = append(out, u)
	}
	return out, rows.Err()
}

// open writes the staged file to a temporary file and opens it.
func (s *Service) open(ctx context.Context, u *Upload) (*importexport.Source, func(), error) {
	tmp, err := os.CreateTemp(s.TempDir, "linli-import-*")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	for seq := 0; ; seq++ {
		var chunk []byte
		err := s.DB.QueryRowContext(ctx, `SELECT data FROM import_upload_chunk WHERE community_id = ? AND upload_id = ? AND seq = ?`, u.CommunityID, u.ID, seq).Scan(&chunk)
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		if _, err := tmp.Write(chunk); err != nil {
			cleanup()
			return nil, nil, err
		}
	}
	src, err := importexport.OpenReader(tmp, u.Size, u.Filename, s.limits())
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return src, func() { src.Close(); cleanup() }, nil
}

// Mapping returns the upload's mapping with the user's assignments applied.
func (s *Service) Mapping(ctx context.Context, u *Upload, im Importer) (*importexport.Mapping, *importexport.Source, func(), error) {
	src, cleanup, err := s.open(ctx, u)
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := src.Detect("", im.Fields())
	if err == nil && len(u.Assignments) > 0 {
		err = m.Remap(im.Fields(), u.Assignments)
	}
	if err != nil {
		cleanup()
		return nil, nil, nil, err
	}
	return m, src, cleanup, nil
}

// SetGrid stores the grid chosen for the ledger's new buildings (0: the
// default), which must be one of the upload's community; the check must run
// again.
func (s *Service) SetGrid(ctx context.Context, p *auth.Principal, u *Upload, gridID int64) error {
	if u.Running() {
		return i18n.NewError("conflict", "importflow.busy")
	}
	if gridID == u.GridID {
		return nil
	}
	if gridID != 0 {
		ok := false
		if s.Grids != nil {
			grids, err := s.Grids(ctx, u.CommunityID)
			if err != nil {
				return err
			}
			for _, g := range grids {
				ok = ok || g.ID == gridID
			}
		}
		if !ok {
			return i18n.NewError("validation", "importflow.grid_unknown")
		}
	}
	var grid any
	if gridID != 0 {
		grid = gridID
	}
	_, err := s.DB.ExecContext(ctx, `UPDATE import_upload SET grid_id = ?, state = ?, result = '', error = '', updated_at = ? WHERE community_id = ? AND id = ? AND user_id = ?`,
		grid, StateStaged, db.Now(), u.CommunityID, u.ID, p.UserID)
	return err
}

// SetMapping stores the user's column assignments (validated against the fields).
func (s *Service) SetMapping(ctx context.Context, p *auth.Principal, u *Upload, im Importer, assignments map[int]string) error {
	if u.Running() {
		return i18n.NewError("conflict", "importflow.busy")
	}
	m, _, cleanup, err := s.Mapping(ctx, &Upload{ID: u.ID, CommunityID: u.CommunityID, Size: u.Size, Filename: u.Filename}, im)
	if err != nil {
		return err
	}
	cleanup()
	if err := m.Remap(im.Fields(), assignments); err != nil {
		return err
	}
	b, _ := json.Marshal(assignments)
	_, err = s.DB.ExecContext(ctx, `UPDATE import_upload SET mapping = ?, state = ?, result = '', error = '', updated_at = ? WHERE community_id = ? AND id = ? AND user_id = ?`,
		string(b), StateStaged, db.Now(), u.CommunityID, u.ID, p.UserID)
	return err
}

// Start runs a check (commit=false) or a commit in the background; the upload's
// state and progress tell how it goes. A commit needs a clean check first.
func (s *Service) Start(ctx context.Context, p *auth.Principal, u *Upload, commit bool) error {
	im, ok := s.Importer(u.Kind)
	if !ok {
		return auth.ErrNotFound
	}
	if err := p.Require(im.Perm()); err != nil {
		return err
	}
	if u.Running() {
		return i18n.NewError("conflict", "importflow.busy")
	}
	if commit && (u.State != StateChecked || u.Result == nil || u.Result.Bad > 0) {
		return i18n.NewError("conflict", "importflow.check_first")
	}
	state := StateChecking
	if commit {
		state = StateCommitting
	}
	// Claim the upload: only one run at a time, even across instances.
	res, err := s.DB.ExecContext(ctx, `UPDATE import_upload SET state = ?, progress = 0, error = '', updated_at = ? WHERE community_id = ? AND id = ? AND user_id = ? AND state = ?`,
		state, db.Now(), u.CommunityID, u.ID, p.UserID, u.State)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return i18n.NewError("conflict", "importflow.busy")
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.run(context.WithoutCancel(ctx), p, u, im, commit)
	}()
	return nil
}

func (s *Service) run(ctx context.Context, p *auth.Principal, u *Upload, im Importer, commit bool) {
	if s.Running != nil {
		s.Running(true)
		defer s.Running(false)
	}
	fail := func(err error) {
		msg := err.Error()
		var ie *i18n.Error
		var ve *i18n.Errors
		if !errors.As(err, &ie) && !errors.As(err, &ve) {
			if s.Log != nil {
				s.Log.Error("import failed", "upload", u.ID, "kind", u.Kind, "err", err)
			}
			msg = i18n.T("err.internal")
		}
		s.settle(ctx, u.ID, `UPDATE import_upload SET state = ?, error = ?, updated_at = ? WHERE community_id = ? AND id = ?`, StateFailed, msg, db.Now(), u.CommunityID, u.ID)
	}
	defer func() {
		if v := recover(); v != nil {
			fail(fmt.Errorf("panic: %v", v))
		}
	}()
	m, src, cleanup, err := s.Mapping(ctx, u, im)
	if err != nil {
		fail(err)
		return
	}
	defer cleanup()
	expected := 0
	if u.Result != nil && commit {
		expected = u.Result.Rows
	}
	lr := &liveRun{total: int64(expected)}
	s.live.Store(u.ID, lr)
	defer s.live.Delete(u.ID)
	stop := s.keepProgress(ctx, u, lr)
	defer stop()
	progress := func(rows int) {
		lr.rows.Store(int64(rows))
		if h := s.progressHook; h != nil {
			h(u.ID, commit, rows)
		}
	}
	req := Request{Source: src, Mapping: m, CommunityID: u.CommunityID, GridID: u.GridID, Commit: commit, ExpectedRows: expected, Progress: progress}
	var result *Result
	if commit {
		done := s.DB.LongWrite(db.LongWriteImport)
		result, err = im.Run(ctx, p, req)
		done()
	} else {
		result, err = im.Run(ctx, p, req)
	}
	stop()
	if err != nil {
		fail(err)
		return
	}
	state := StateChecked
	if commit && result.Committed {
		state = StateCommitted
	}
	b, _ := json.Marshal(result)
	s.settle(ctx, u.ID, `UPDATE import_upload SET state = ?, progress = ?, result = ?, updated_at = ? WHERE community_id = ? AND id = ?`, state, result.Rows, string(b), db.Now(), u.CommunityID, u.ID)
	if state == StateCommitted {
		// The ledger is in; its copy is no longer needed.
		_, _ = s.DB.ExecContext(ctx, `DELETE FROM import_upload_chunk WHERE community_id = ? AND upload_id = ?`, u.CommunityID, u.ID)
	}
}

// settle writes the outcome of a run. It must not be lost to a writer busy
// with someone else's long write: it tries again for up to an hour, and the
// run stays "live" (so not stale) until it is written.
func (s *Service) settle(ctx context.Context, id, q string, args ...any) {
	for deadline := time.Now().Add(time.Hour); ; {
		_, err := s.DB.ExecContext(ctx, q, args...)
		if err == nil || !db.IsBusy(err) || time.Now().After(deadline) {
			if err != nil && s.Log != nil {
				s.Log.Error("import outcome not saved", "upload", id, "err", err)
			}
			return
		}
	}
}

// keepProgress writes a run's progress to its upload row every ProgressEvery
// until stop is called, so that other instances see it alive. It never waits
// for the writer: on SQLite a commit holds it, and then the progress stays in
// memory (Get reads it there) until the commit ends.
func (s *Service) keepProgress(ctx context.Context, u *Upload, lr *liveRun) (stop func()) {
	every := s.ProgressEvery
	if every <= 0 {
		every = 2 * time.Second
	}
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				wctx, cancel := context.WithTimeout(ctx, every/2)
				_, _ = s.DB.ExecContext(wctx, `UPDATE import_upload SET progress = ?, updated_at = ? WHERE community_id = ? AND id = ?`, lr.rows.Load(), db.Now(), u.CommunityID, u.ID)
				cancel()
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(quit); <-finished }) }
}

// RunNow checks or commits synchronously (the command line, tests). expected is
// the row count of an earlier check of the same file, or 0.
func (s *Service) RunNow(ctx context.Context, p *auth.Principal, im Importer, communityID int64, path string, commit bool, expected ...int) (*Result, *importexport.Mapping, error) {
	return s.RunNowInGrid(ctx, p, im, communityID, 0, path, commit, expected...)
}

// RunNowInGrid is RunNow with a grid for the new buildings whose row names
// none (linli import --grid).
func (s *Service) RunNowInGrid(ctx context.Context, p *auth.Principal, im Importer, communityID, gridID int64, path string, commit bool, expected ...int) (*Result, *importexport.Mapping, error) {
	if err := p.Require(im.Perm()); err != nil {
		return nil, nil, err
	}
	src, err := importexport.Open(path, s.limits())
	if err != nil {
		return nil, nil, err
	}
	defer src.Close()
	m, err := src.Detect("", im.Fields())
	if err != nil {
		return nil, nil, err
	}
	req := Request{Source: src, Mapping: m, CommunityID: communityID, GridID: gridID, Commit: commit}
	if len(expected) > 0 {
		req.ExpectedRows = expected[0]
	}
	res, err := im.Run(ctx, p, req)
	return res, m, err
}

// Discard deletes an upload.
func (s *Service) Discard(ctx context.Context, p *auth.Principal, u *Upload) error {
	if u.Running() {
		return i18n.NewError("conflict", "importflow.busy")
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM import_upload WHERE community_id = ? AND id = ? AND user_id = ?`, u.CommunityID, u.ID, p.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // someone else's, or gone already: nothing happened
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "import.discard", "import_upload", u.ID, u.CommunityID, audit.Success).
			WithDetail(map[string]any{"kind": u.Kind, "file": u.Filename}))
	})
}

// ColumnLabel describes a problem's column for reports: "C 列（身份证号）".
func ColumnLabel(m *importexport.Mapping, fields []importexport.Field, key string) string {
	for _, c := range m.Columns {
		if c.Field == key {
			return importexport.ColumnName(c.Index) + " 列（" + c.Header + "）"
		}
	}
	for _, f := range fields {
		if f.Key == key {
			return f.Label
		}
	}
	return key
}

// Summarise joins the non-zero lines of a summary for a flash message.
func Summarise(r *Result) string {
	var parts []string
	for _, l := range r.Summary {
		if l.Count > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", l.Label, l.Count))
		}
	}
	return strings.Join(parts, "，")
}
