package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/xuri/excelize/v2"

	"linli/internal/auth"
	"linli/internal/identity"
	"linli/internal/org"
	"linli/internal/registry"
)

func init() { register("registry", benchRegistry) }

// sample keeps a few generated people so that searches look for real entries.
type sample struct {
	Name, ID, Phone, Initials, Address string
}

// ledgerFile writes (once per run) an .xlsx of n residents laid out as a real
// ledger: title row, 15 columns, households of 1–6 in dwellings of a community.
// Ledgers of different variants share no ID number (their people are born in
// other regions).
func ledgerFile(dir string, n, variant int) (string, []sample, error) {
	name := fmt.Sprintf("ledger-%d.xlsx", n)
	if variant > 0 {
		name = fmt.Sprintf("ledger-%d-%d.xlsx", n, variant)
	}
	path := filepath.Join(dir, name)
	samplesPath := path + ".json"
	var samples []sample
	if b, err := os.ReadFile(samplesPath); err == nil {
		if json.Unmarshal(b, &samples) == nil {
			if _, err := os.Stat(path); err == nil {
				return path, samples, nil
			}
		}
	}
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return "", nil, err
	}
	if err := sw.SetRow("A1", []any{"翠苑一区社区居民花名册"}); err != nil {
		return "", nil, err
	}
	header := []any{"序号", "户号", "姓名", "与户主关系", "公民身份号码", "性别", "出生日期", "民族", "联系电话", "小区", "楼栋", "单元", "房号", "网格", "人员类型"}
	if err := sw.SetRow("A2", header); err != nil {
		return "", nil, err
	}
	r := rand.New(rand.NewPCG(1, 2+uint64(variant)))
	surnames := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金")
	given := []rune("伟强磊军勇杰涛明超刚平辉鹏华飞鑫波宇浩凯健俊帆芳娜敏静丽艳娟霞秀英玲桂兰萍红琳燕梅婷雪慧颖倩洁佳欣琪月晶")
	estates := []string{"翠苑一区", "文华苑", "学院新村", "嘉绿苑", "紫荆花园", "求智巷小区", "古荡新村", "塘苗小区", "益乐新村", "香樟公寓"}
	regions := []string{"330106", "330102", "330105", "341222", "411527", "430524", "510722", "330381"}
	if variant > 0 {
		regions = []string{"110101", "120101", "310101", "320102", "370102", "420102", "440103", "500101"}
	}
	grids := []string{"001", "002", "003", "004", "005", "006"}
	used := map[string]bool{}
	row, hh := 3, 0
	building, entrance, floor, room := 1, 1, 1, 1
	for made := 0; made < n; {
		hh++
		size := 1 + r.IntN(4)
		if r.IntN(10) == 0 {
			size += 2
		}
		estate := estates[(building-1)%len(estates)]
		b := fmt.Sprintf("%d幢", (building-1)/len(estates)+1)
		unit := fmt.Sprintf("%d单元", entrance)
		rm := fmt.Sprintf("%d%02d", floor, room)
		grid := grids[(building/40)%len(grids)]
		kind := "户籍人口"
		if r.IntN(100) < 18 {
			kind = "流动人口"
		}
		family := string(surnames[r.IntN(len(surnames))])
		for i := 0; i < size && made < n; i++ {
			sex := identity.Male
			if r.IntN(2) == 0 {
				sex = identity.Female
			}
			age := 1 + r.IntN(90)
			if i == 0 {
				age = 25 + r.IntN(60)
			}
			birth := time.Now().AddDate(-age, 0, -r.IntN(365))
			var id string
			for {
				id = identity.MakeID(regions[r.IntN(len(regions))], birth, r.IntN(500), sex)
				if !used[id] {
					used[id] = true
					break
				}
			}
			name := family + string(given[r.IntN(len(given))])
			if r.IntN(3) > 0 {
				name += string(given[r.IntN(len(given))])
			}
			rel := "户主"
			if i > 0 {
				rel = []string{"配偶", "子", "女", "父母", "孙子女"}[min(i-1, 4)]
			}
			phone := fmt.Sprintf("1%d%09d", 3+r.IntN(7), r.IntN(1000000000))
			sexLabel := map[string]string{identity.Male: "男", identity.Female: "女"}[sex]
			cell, _ := excelize.CoordinatesToCellName(1, row)
			if err := sw.SetRow(cell, []any{made + 1, fmt.Sprintf("H%07d", hh), name, rel, id, sexLabel, birth.Format("2006-01-02"), "汉族", phone, estate, b, unit, rm, grid, kind}); err != nil {
				return "", nil, err
			}
			if made%(n/200+1) == 0 {
				_, ini := registry.Pinyin(name)
				samples = append(samples, sample{Name: name, ID: id, Phone: phone, Initials: ini, Address: b + rm})
			}
			row++
			made++
		}
		room++
		if room > 2 {
			room, floor = 1, floor+1
		}
		if floor > 12 {
			floor, entrance = 1, entrance+1
		}
		if entrance > 3 {
			entrance, building = 1, building+1
		}
	}
	if err := sw.Flush(); err != nil {
		return "", nil, err
	}
	if err := f.SaveAs(path); err != nil {
		return "", nil, err
	}
	b, _ := json.Marshal(samples)
	if err := os.WriteFile(samplesPath, b, 0o600); err != nil {
		return "", nil, err
	}
	return path, samples, nil
}

// rawRead reads every cell of the file with excelize's row iterator alone.
func rawRead(path string) (time.Duration, int, error) {
	start := time.Now()
	f, err := excelize.OpenFile(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	rows, err := f.Rows("Sheet1")
	if err != nil {
		return 0, 0, err
	}
	n := 0
	for rows.Next() {
		if _, err := rows.Columns(); err != nil {
			return 0, 0, err
		}
		n++
	}
	return time.Since(start), n, rows.Close()
}

// secondCommunity is where the web import of the bench goes, while the first
// community is read (code, name, its leader's account).
const secondCommunity, secondLeader = "330106004002", "leader2"

// setupCommunity creates the org tree the ledger goes into and a community
// leader account (and a second community with its own leader, for the import
// through the web); it returns the community and its grids.
func setupCommunity(ctx context.Context, e *Env) (int64, []int64, error) {
	a := e.App
	sys := auth.System("bench")
	city, err := a.Org.Create(ctx, sys, org.Input{Level: org.City, Name: "杭州市", Code: "330100"})
	if err != nil {
		return 0, nil, err
	}
	district, _ := a.Org.Create(ctx, sys, org.Input{ParentID: city, Level: org.District, Name: "西湖区", Code: "330106"})
	street, _ := a.Org.Create(ctx, sys, org.Input{ParentID: district, Level: org.Street, Name: "翠苑街道", Code: "330106004000"})
	comm, err := a.Org.Create(ctx, sys, org.Input{ParentID: street, Level: org.Community, Name: "翠苑一区社区", Code: "330106004001"})
	if err != nil {
		return 0, nil, err
	}
	var grids []int64
	for i := 1; i <= 6; i++ {
		g, err := a.Org.Create(ctx, sys, org.Input{ParentID: comm, Level: org.Grid, Name: fmt.Sprintf("第%d网格", i), Code: fmt.Sprintf("%03d", i)})
		if err != nil {
			return 0, nil, err
		}
		grids = append(grids, g)
	}
	comm2, err := a.Org.Create(ctx, sys, org.Input{ParentID: street, Level: org.Community, Name: "翠苑二区社区", Code: secondCommunity})
	if err != nil {
		return 0, nil, err
	}
	for i := 1; i <= 6; i++ {
		if _, err := a.Org.Create(ctx, sys, org.Input{ParentID: comm2, Level: org.Grid, Name: fmt.Sprintf("二区第%d网格", i), Code: fmt.Sprintf("%03d", i)}); err != nil {
			return 0, nil, err
		}
	}
	if _, err := a.Auth.CreateUser(ctx, sys, auth.NewUser{Username: secondLeader, DisplayName: "二区书记", Password: "Bench-Pass-2026", Roles: []auth.Role{auth.RoleCommunityAdmin}, Scope: []int64{comm2}, MFAExempt: true}); err != nil {
		return 0, nil, err
	}
	_, err = a.Auth.CreateUser(ctx, sys, auth.NewUser{Username: "leader", DisplayName: "社区书记", Password: "Bench-Pass-2026", Roles: []auth.Role{auth.RoleCommunityAdmin}, Scope: []int64{comm}, MFAExempt: true})
	return comm, grids, err
}

func benchRegistry(ctx context.Context, e *Env) ([]Row, error) {
	n := e.Flags.Residents
	var rows []Row
	path, samples, err := ledgerFile(e.Dir, n, 0)
	if err != nil {
		return nil, err
	}
	comm, grids, err := keptCommunity(ctx, e)
	if err != nil {
		return nil, err
	}
	if comm != 0 {
		rows = append(rows, Row{Area: "registry", Measure: "import skipped: -reuse kept the loaded database"})
		if !e.Flags.WebImportOnly {
			rows = append(rows, benchRegistryServing(ctx, e, grids, samples)...)
		}
		web, err := importDuringReads(ctx, e, grids, samples)
		if err != nil {
			web = append(web, Row{Area: "registry", Measure: "import through the web while others read: failed", Value: err.Error()})
		}
		return append(rows, web...), nil
	}
	raw, read, err := rawRead(path)
	if err != nil {
		return nil, err
	}
	rows = append(rows, Row{Area: "registry", Measure: fmt.Sprintf("excelize alone reads the %d-row ledger", read-2), Value: secs(raw)})
	_, grids, err = setupCommunity(ctx, e)
	if err != nil {
		return nil, err
	}
	// The command line, as an administrator runs it: one process that checks
	// every row, then commits; started by the small launcher so that its peak
	// memory is its own (see runMeasured).
	start := time.Now()
	peak, err := runMeasured(linliBinary(), "import", "residents", path, "--community", "330106004001", "--db", e.Target, "--key-file", keyFile(e.Dir), "--data", e.Dir)
	if err != nil {
		return nil, fmt.Errorf("linli import: %v", err)
	}
	total := time.Since(start)
	var people int
	if err := e.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM reg_person`).Scan(&people); err != nil || people != n {
		return nil, fmt.Errorf("linli import left %d residents, not %d: %v", people, n, err)
	}
	target, ok := "", false
	if e.Engine == "sqlite" {
		target, ok = "≤ 120 s", total <= 120*time.Second
	}
	rows = append(rows,
		Row{Area: "registry", Measure: fmt.Sprintf("import %d residents with linli import: check + commit", n), Value: secs(total), Target: target, OK: ok},
		Row{Area: "registry", Measure: "import ÷ excelize read", Value: fmt.Sprintf("%.2f", total.Seconds()/raw.Seconds()), Target: "aim ≤ 2", OK: total.Seconds()/raw.Seconds() <= 2},
		Row{Area: "registry", Measure: "linli import peak memory", Value: fmt.Sprintf("%d MB", peak>>20), Target: "≤ 500 MB", OK: peak <= 500<<20},
	)
	rows = append(rows, benchRegistryServing(ctx, e, grids, samples)...)
	if e.Flags.NoWebImport {
		return append(rows, Row{Area: "registry", Measure: "import through the web while others read: left out (-no-web-import)"}), nil
	}
	web, err := importDuringReads(ctx, e, grids, samples)
	if err != nil {
		web = append(web, Row{Area: "registry", Measure: "import through the web while others read: failed", Value: err.Error()})
	}
	return append(rows, web...), nil
}

// keptCommunity finds the bench community in a database kept by -reuse; it
// returns 0 when there is none (or -reuse is off), so the data must be loaded.
func keptCommunity(ctx context.Context, e *Env) (int64, []int64, error) {
	if !e.Flags.Reuse {
		return 0, nil, nil
	}
	var comm int64
	var residents int
	// No such community (sql.ErrNoRows) leaves comm 0: the data must be loaded.
	_ = e.DB.QueryRowContext(ctx, `SELECT id FROM org_unit WHERE code = '330106004001'`).Scan(&comm)
	if comm == 0 {
		return 0, nil, nil
	}
	if err := e.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM reg_person`).Scan(&residents); err != nil || residents != e.Flags.Residents {
		return 0, nil, fmt.Errorf("-reuse: the kept database holds %d residents, not %d (remove it): %v", residents, e.Flags.Residents, err)
	}
	rows, err := e.DB.QueryContext(ctx, e.DB.Rebind(`SELECT id FROM org_unit WHERE parent_id = ? ORDER BY code`), comm)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var grids []int64
	for rows.Next() {
		var g int64
		if err := rows.Scan(&g); err != nil {
			return 0, nil, err
		}
		grids = append(grids, g)
	}
	return comm, grids, rows.Err()
}

// benchRegistryServing measures a running server on the loaded registry:
// searches, the list page under load, its memory, and the export.
func benchRegistryServing(ctx context.Context, e *Env, grids []int64, samples []sample) []Row {
	rows, err := serving(ctx, e, grids, samples)
	if err != nil {
		rows = append(rows, Row{Area: "registry", Measure: "suite failed", Value: err.Error()})
	}
	return rows
}

func serving(ctx context.Context, e *Env, grids []int64, samples []sample) ([]Row, error) {
	n := e.Flags.Residents
	var rows []Row

	// A real server on this database, as users meet it.
	srv, err := startServe(e)
	if err != nil {
		return rows, err
	}
	defer srv.stop()
	token, err := srv.login("leader", "Bench-Pass-2026")
	if err != nil {
		return rows, err
	}
	kinds := []struct {
		label string
		q     func(s sample) string
	}{
		{"name, 2 characters", func(s sample) string { return string([]rune(s.Name)[:2]) }},
		{"name, 3 characters", func(s sample) string {
			r := []rune(s.Name)
			if len(r) < 3 {
				return s.Name
			}
			return string(r[:3])
		}},
		{"pinyin initials", func(s sample) string { return s.Initials }},
		{"ID number", func(s sample) string { return s.ID }},
		{"ID number, last 4", func(s sample) string { return s.ID[14:] }},
		{"phone", func(s sample) string { return s.Phone }},
		{"address fragment", func(s sample) string { return s.Address }},
	}
	for _, k := range kinds {
		var lat Latencies
		for i := 0; i < 3; i++ { // warm the caches as a working server has them
			srv.get(token, "/api/v1/people?limit=50&q="+url.QueryEscape(k.q(samples[i])))
		}
		for _, s := range samples {
			t0 := time.Now()
			status, body := srv.get(token, "/api/v1/people?limit=50&q="+url.QueryEscape(k.q(s)))
			lat.Add(time.Since(t0))
			if status != 200 {
				return rows, fmt.Errorf("search %s: %d %s", k.label, status, body)
			}
		}
		p95 := lat.P(95)
		rows = append(rows, Row{Area: "registry", Measure: "search p95: " + k.label, Value: ms(p95), Target: "≤ 20 ms", OK: p95 <= 20*time.Millisecond, Note: fmt.Sprintf("%d queries", lat.N())})
	}
	// The resident list page filtered by grid, 50 rows, 32 concurrent clients;
	// and one client alone, to tell the page's own time from queueing.
	listLoad := func(clients, n int) (p50, p99 time.Duration, rps float64, failed int64) {
		var lat Latencies
		var errs atomic.Int64
		took := Concurrently(clients, n, func(i int) {
			g := grids[i%len(grids)]
			page := 1 + (i/len(grids))%20
			t0 := time.Now()
			status, _ := srv.get(token, fmt.Sprintf("/registry?grid=%d&page=%d", g, page))
			lat.Add(time.Since(t0))
			if status != 200 {
				errs.Add(1)
			}
		})
		return lat.P(50), lat.P(99), float64(n) / took.Seconds(), errs.Load()
	}
	p50one, p99one, _, failedOne := listLoad(1, 300)
	// Thirty-two clients at once on a server that has served one at a time
	// meet new database connections (on PostgreSQL, each a new backend that
	// fills its caches and plans its statements on first use): the first 320
	// requests are shown on their own line, as a server's first moments, and
	// the 3,200 measured after them are the server in use.
	_, p99first, _, failedFirst := listLoad(32, 320)
	_, p99, rps, failed := listLoad(32, 3200)
	if failed+failedOne+failedFirst > 0 {
		rows = append(rows, Row{Area: "registry", Measure: "list page by grid", Value: fmt.Sprintf("%d of 3820 requests failed", failed+failedOne+failedFirst)})
	} else {
		rows = append(rows,
			Row{Area: "registry", Measure: "list page by grid, 50 rows, 32 clients: p99", Value: ms(p99), Target: "≤ 50 ms", OK: p99 <= 50*time.Millisecond},
			Row{Area: "registry", Measure: "list page by grid, 50 rows, 32 clients: throughput", Value: fmt.Sprintf("%.0f req/s", rps)},
			Row{Area: "registry", Measure: "list page by grid, 50 rows, 32 clients, first 320 after one client: p99", Value: ms(p99first)},
			Row{Area: "registry", Measure: "list page by grid, 50 rows, 1 client: p50 / p99", Value: ms(p50one) + " / " + ms(p99one)},
		)
	}
	rss := srv.rss()
	rows = append(rows, Row{Area: "registry", Measure: "serve resident memory after list and search", Value: fmt.Sprintf("%d MB", rss>>20), Target: "≤ 200 MB", OK: rss <= 200<<20})
	srv.stop()

	// Export every resident, in a process of its own started by a small
	// launcher, so that its peak is its own (see runMeasured).
	out := filepath.Join(e.Dir, "export-"+e.Engine+".xlsx")
	os.Remove(out)
	start := time.Now()
	peak, err := runMeasured(linliBinary(), "export", "residents", "--db", e.Target, "--key-file", keyFile(e.Dir), "--out", out)
	if err != nil {
		return rows, fmt.Errorf("export: %v", err)
	}
	took := time.Since(start)
	rows = append(rows,
		Row{Area: "registry", Measure: fmt.Sprintf("export %d rows to .xlsx", n), Value: secs(took), Target: "≤ 60 s", OK: took <= 60*time.Second},
		Row{Area: "registry", Measure: "export peak memory", Value: fmt.Sprintf("%d MB", peak>>20), Target: "≤ 300 MB", OK: peak <= 300<<20},
	)
	return rows, nil
}

// ---- a linli serve child process ----

func linliBinary() string { return os.Getenv("LINLI_BENCH_BINARY") }

// keyFile writes the bench's all-zero master key (the one Env uses).
func keyFile(dir string) string {
	p := filepath.Join(dir, "bench.key")
	if err := os.WriteFile(p, []byte(strings.Repeat("00", 32)+"\n"), 0o600); err != nil {
		fatal(err)
	}
	return p
}

type serveProc struct {
	cmd    *exec.Cmd
	base   string
	client *http.Client
}

func startServe(e *Env) (*serveProc, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(linliBinary(), "serve", "--db", e.Target, "--key-file", keyFile(e.Dir), "--listen", addr, "--data", e.Dir)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &serveProc{cmd: cmd, base: "http://" + addr, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	for i := 0; i < 100; i++ {
		if resp, err := http.Get(s.base + "/healthz"); err == nil {
			resp.Body.Close()
			return s, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("linli serve did not come up")
}

func (s *serveProc) stop() {
	if s.cmd.Process != nil && s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM) // it may have exited already
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(time.Minute): // a server stuck in an import
			_ = s.cmd.Process.Kill()
			<-done
		}
	}
}

func (s *serveProc) login(user, password string) (string, error) {
	resp, err := s.client.Post(s.base+"/api/v1/session", "application/json", strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, user, password)))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tok struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.Token == "" {
		return "", fmt.Errorf("login %s: %d", user, resp.StatusCode)
	}
	return tok.Token, nil
}

func (s *serveProc) get(token, path string) (int, string) {
	req, _ := http.NewRequest("GET", s.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// Read and drop: the client shares the server's two cores, and keeping
	// every page it is sent would spend them on its own garbage.
	_, _ = io.Copy(io.Discard, resp.Body) // drained so the connection is reused
	return 200, ""
}

// rss reads the server's resident memory from /proc.
func (s *serveProc) rss() int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
