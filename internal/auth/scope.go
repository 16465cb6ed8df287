package auth

import (
	"context"
	"sort"
	"strings"

	"linli/internal/db"
)

// Scope is the part of the org tree a user reaches. It is the one place where
// community data is filtered: every store builds its WHERE clause with SQL and
// checks single objects with Allows, so a query cannot "forget" the scope without
// visibly not calling it.
//
// A row of community data carries community_id and, where it has one, grid_id.
// It is in scope when its community lies wholly inside one of the user's subtrees,
// or its grid does.
type Scope struct {
	// All is the whole deployment. Only configuration roles get it, and they are
	// not granted permissions on resident data.
	All bool
	// Roots are the org units the user was given, with their tree paths.
	Roots []Root
	// Communities lie wholly inside the user's subtrees.
	Communities []int64
	// Grids are reached one by one (their community is not wholly reached).
	Grids []int64
	// GridCommunities are the communities those grids lie in (see
	// WithGridCommunities).
	GridCommunities []int64

	communitySet map[int64]bool
	gridSet      map[int64]bool
}

// Root is one org subtree of a scope.
type Root struct {
	ID   int64
	Path string // "/1/4/9/"
	Name string
}

// OrgIndex resolves subtree roots to communities and grids. The org module
// implements it; auth does not import org.
type OrgIndex interface {
	ResolveScope(ctx context.Context, roots []int64) (Scope, error)
}

// NewScope builds a scope from resolved parts.
func NewScope(all bool, roots []Root, communities, grids []int64) Scope {
	s := Scope{All: all, Roots: roots, Communities: sortedUnique(communities), Grids: sortedUnique(grids)}
	s.communitySet = toSet(s.Communities)
	s.gridSet = toSet(s.Grids)
	return s
}

// WithGridCommunities returns s knowing the communities its grids lie in: SQL
// then names them beside the grids (a row of a grid lies in the grid's
// community), so that on Citus a grid worker's statements go to the one node
// holding their community instead of to every node.
func (s Scope) WithGridCommunities(ids []int64) Scope {
	s.GridCommunities = sortedUnique(ids)
	return s
}

// Empty reports whether the scope reaches nothing at all.
func (s Scope) Empty() bool {
	return !s.All && len(s.Communities) == 0 && len(s.Grids) == 0 && len(s.Roots) == 0
}

// SQL returns a condition restricting rows to the scope, and its arguments,
// for a table whose community and grid columns are communityCol and gridCol
// (gridCol may be "" for tables without grids). The ids are arguments
// (db.Dialect.IDSet), so that the text is one of a few whatever the scope:
// callers put the arguments where the condition stands among the query's
// others, once for each time they write it.
func (s Scope) SQL(d db.Dialect, communityCol, gridCol string) (string, []any) {
	if s.All {
		return "1=1", nil
	}
	var parts []string
	var args []any
	if len(s.Communities) > 0 {
		c, a := d.IDSet(communityCol, s.Communities)
		parts, args = append(parts, c), append(args, a...)
	}
	if len(s.Grids) > 0 && gridCol != "" {
		c, a := d.IDSet(gridCol, s.Grids)
		if len(s.GridCommunities) > 0 {
			cc, ca := d.IDSet(communityCol, s.GridCommunities)
			c, a = "("+cc+" AND "+c+")", append(ca, a...)
		}
		parts, args = append(parts, c), append(args, a...)
	}
	switch len(parts) {
	case 0:
		return "1=0", nil
	case 1:
		return parts[0], args
	default:
		return "(" + strings.Join(parts, " OR ") + ")", args
	}
}

// Allows reports whether a row of community communityID in grid gridID (0 for
// none) is in scope.
func (s Scope) Allows(communityID, gridID int64) bool {
	if s.All {
		return true
	}
	if s.communitySet[communityID] {
		return true
	}
	return gridID != 0 && s.gridSet[gridID]
}

// AllowsCommunity reports whether the whole community is in scope (needed to
// create things that have no grid, or to act on community-wide settings).
func (s Scope) AllowsCommunity(communityID int64) bool {
	return s.All || s.communitySet[communityID]
}

// AllowsOrgPath reports whether the org unit at path lies inside the scope's subtrees.
func (s Scope) AllowsOrgPath(path string) bool {
	if s.All {
		return true
	}
	for _, r := range s.Roots {
		if strings.HasPrefix(path, r.Path) {
			return true
		}
	}
	return false
}

// SeesOrgPath reports whether the org unit at path is in scope or is an ancestor
// of something in scope (shown for context, read-only).
func (s Scope) SeesOrgPath(path string) bool {
	if s.AllowsOrgPath(path) {
		return true
	}
	for _, r := range s.Roots {
		if strings.HasPrefix(r.Path, path) {
			return true
		}
	}
	return false
}

func sortedUnique(ids []int64) []int64 {
	if len(ids) == 0 {
		return nil
	}
	out := append([]int64(nil), ids...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	n := 1
	for i := 1; i < len(out); i++ {
		if out[i] != out[n-1] {
			out[n] = out[i]
			n++
		}
	}
	return out[:n]
}

func toSet(ids []int64) map[int64]bool {
	m := make(map[int64]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}
