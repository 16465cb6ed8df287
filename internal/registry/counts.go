package registry

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"linli/internal/db"
)

// Counting a grid's 170,000 residents for every page of a list costs more than
// the page itself, and the total rarely changes between two clicks. Totals are
// therefore cached briefly, keyed by the exact query (scope included, so no
// user sees another's count), and forgotten at once when this process writes
// to the registry. Another serve instance on the same PostgreSQL may show a
// total up to countTTL old; the rows themselves are always read fresh.

const (
	countTTL     = 10 * time.Second
	countEntries = 4096
)

// writeGen moves on every registry write in this process; cached counts taken
// under an older generation are void.
var writeGen atomic.Uint64

func registryChanged() { writeGen.Add(1) }

type countEntry struct {
	n   int
	gen uint64
	at  time.Time
}

type countCache struct {
	mu sync.Mutex
	m  map[string]countEntry
}

// inTx is db.InTx for registry writes: after it, cached totals are void.
func (s *Service) inTx(ctx context.Context, fn func(tx *db.Tx) error) error {
	defer registryChanged()
	return s.DB.InTx(ctx, fn)
}

// countPeople counts the people matching q, from the cache when it is fresh.
func (s *Service) countPeople(ctx context.Context, q *query) (int, error) {
	key := q.sql() + "\x00" + fmt.Sprint(q.args...)
	gen := writeGen.Load()
	now := time.Now()
	s.counts.mu.Lock()
	e, ok := s.counts.m[key]
	s.counts.mu.Unlock()
	if ok && e.gen == gen && now.Sub(e.at) < countTTL {
		return e.n, nil
	}
	var n int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM reg_person p WHERE `+q.sql(), q.args...).Scan(&n); err != nil {
		return 0, err
	}
	s.counts.mu.Lock()
	if s.counts.m == nil || len(s.counts.m) >= countEntries {
		s.counts.m = map[string]countEntry{}
	}
	s.counts.m[key] = countEntry{n: n, gen: gen, at: now}
	s.counts.mu.Unlock()
	return n, nil
}
