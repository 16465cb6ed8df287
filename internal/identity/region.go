package identity

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
)

//go:generate go run ./gen -out regions.tsv

// regionsTSV is the GB/T 2260 table written by ./gen: one line per code,
// "code<TAB>province/prefecture/county<TAB>first<TAB>last". See gen/main.go for
// where it comes from and what the years mean.
//
//go:embed regions.tsv
var regionsTSV string

// RegionInfo is one GB/T 2260 administrative-division code.
type RegionInfo struct {
	Code string
	// Name is the division's own name as it was last listed ("宣武区"). For
	// about 150 codes retired before 2002 (county-level cities numbered 01
	// under a 地区) the sources lost it, and Name is that of the enclosing
	// prefecture or province.
	Name string
	// Path is the names from the province down, joined: "北京市宣武区".
	// Grouping levels such as 市辖区 under a municipality are left out.
	Path    string
	Retired bool
	// FirstSeen and LastSeen are the years of the earliest and latest bundled
	// snapshot (1998, 2002–2016, 2020, 2023) that lists the code; 0 when no dated
	// snapshot does (codes known only from the undated 1980–2017 union).
	// LastSeen is 0 for current codes. They bound the code's life from inside:
	// FirstSeen 1998 means "in use in 1998, perhaps long before".
	FirstSeen int
	LastSeen  int
}

var (
	regionsOnce sync.Once
	regions     map[string]*RegionInfo
)

// loadRegions parses the embedded table once. It runs on first use rather than
// at init so that binaries and tests that never look up a region do not pay for
// it; a malformed table is a build defect, so it panics.
func loadRegions() {
	regions = make(map[string]*RegionInfo, strings.Count(regionsTSV, "\n"))
	rest := regionsTSV
	for rest != "" {
		line, next, _ := strings.Cut(rest, "\n")
		rest = next
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 || len(f[0]) != 6 || !allDigits(f[0]) || f[1] == "" {
			panic("identity: malformed regions.tsv line: " + line)
		}
		parts := strings.Split(f[1], "/")
		r := &RegionInfo{
			Code:      f[0],
			Name:      parts[len(parts)-1],
			Path:      strings.Join(parts, ""),
			Retired:   f[3] != "",
			FirstSeen: year(f[2]),
			LastSeen:  year(f[3]),
		}
		regions[r.Code] = r
	}
}

// year reads a year column: "" (current) and "?" (unknown) are 0.
func year(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

// lookupRegion is the hot-path lookup used by ParseID.
func lookupRegion(code string) *RegionInfo {
	regionsOnce.Do(loadRegions)
	return regions[code]
}

// Region returns the name of a six-digit GB/T 2260 code, current or retired;
// a retired code gives the name it had. ok is false for unknown codes.
func Region(code string) (name string, retired bool, ok bool) {
	r := lookupRegion(code)
	if r == nil {
		return "", false, false
	}
	return r.Name, r.Retired, true
}

// RegionPath returns the province, prefecture and county names of a code joined
// ("北京市宣武区", "广东省汕头市潮阳县"), or "" for an unknown code.
func RegionPath(code string) string {
	if r := lookupRegion(code); r != nil {
		return r.Path
	}
	return ""
}

// LookupRegion returns everything the table knows about a code.
func LookupRegion(code string) (RegionInfo, bool) {
	if r := lookupRegion(code); r != nil {
		return *r, true
	}
	return RegionInfo{}, false
}

// RegionCount reports how many current and retired codes the table holds.
func RegionCount() (current, retired int) {
	regionsOnce.Do(loadRegions)
	for _, r := range regions {
		if r.Retired {
			retired++
		} else {
			current++
		}
	}
	return current, retired
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
