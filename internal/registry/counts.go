package registry

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"linli/internal/db"
)

// Counting a grid's 170,000 residents for every page of a list costs more than
// the page itself, and the total rarely changes between two clicks. Totals are
// therefore cached, keyed by the exact query (scope included, so no user sees
// another's count), and forgotten at once when this process writes to the
// registry. A total older than countTTL is still shown while one background
// count replaces it, and requests that need a total nobody has are served by
// one count, not one each: when a popular total expired under load, every
// request in flight used to count the same 170,000 rows at once (PostgreSQL
// with three processes each), and the slowest page took seconds. Another serve
// instance on the same PostgreSQL may show a total up to countTTL (plus one
// count) old; the rows themselves are always read fresh.

var (
	countTTL = 10 * time.Second
	// countStale: a total this old is never shown, only counted again.
	countStale = 60 * time.Second
)

const countEntries = 4096

// writeGen moves on every registry write in this process; cached counts taken
// under an older generation are void.
var writeGen atomic.Uint64

func registryChanged() { writeGen.Add(1) }

type countEntry struct {
	n   int
	gen uint64
	at  time.Time
	// spread: the total stays fresh for spread % of countTTL (80–120), so
	// that totals counted together expire apart.
	spread int
}

// countCall is one count under way, which other requests for the same total wait for.
type countCall struct {
	done chan struct{}
	n    int
	err  error
}

type countCache struct {
	// refreshing one total at a time spreads the recounts of totals that
	// expire together instead of taking every core at once.
	oneRefresh sync.Mutex
	mu         sync.Mutex
	m          map[string]countEntry
	counting   map[string]*countCall
	refreshing map[string]bool
}

// inTx is db.InTx for registry writes: after it, cached totals are void.
func (s *Service) inTx(ctx context.Context, fn func(tx *db.Tx) error) error {
	defer registryChanged()
	return s.DB.InTx(ctx, fn)
}

// countPeople counts the people matching q, from the cache when it can.
func (s *Service) countPeople(ctx context.Context, q *query) (int, error) {
	key := q.sql() + "\x00" + fmt.Sprint(q.args...)
	gen := writeGen.Load()
	c := &s.counts
	c.mu.Lock()
	if c.m == nil {
		c.m, c.counting, c.refreshing = map[string]countEntry{}, map[string]*countCall{}, map[string]bool{}
	}
	if e, ok := c.m[key]; ok && e.gen == gen {
		age := time.Since(e.at)
		if age < countTTL*time.Duration(e.spread)/100 {
			c.mu.Unlock()
			return e.n, nil
		}
		if age < countStale {
			if !c.refreshing[key] {
				c.refreshing[key] = true
				go s.refreshCount(key, q, gen)
			}
			c.mu.Unlock()
			return e.n, nil
		}
	}
	if call, ok := c.counting[key]; ok {
		c.mu.Unlock()
		select {
		case <-call.done:
			return call.n, call.err
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	call := &countCall{done: make(chan struct{})}
	c.counting[key] = call
	c.mu.Unlock()
	// Others wait for this count: a client that leaves must not end it for them.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	call.n, call.err = s.count(cctx, q)
	cancel()
	c.mu.Lock()
	delete(c.counting, key)
	if call.err == nil {
		c.store(key, countEntry{n: call.n, gen: gen, at: time.Now()})
	}
	c.mu.Unlock()
	close(call.done)
	return call.n, call.err
}

// refreshCount replaces an expired total in the background.
func (s *Service) refreshCount(key string, q *query, gen uint64) {
	c := &s.counts
	c.oneRefresh.Lock()
	defer c.oneRefresh.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := s.count(ctx, q)
	c.mu.Lock()
	delete(c.refreshing, key)
	if err == nil {
		c.store(key, countEntry{n: n, gen: gen, at: time.Now()})
	}
	c.mu.Unlock()
}

// countsRun counts the counts, and beforeCount (nil but in tests) runs first:
// tests hold a count to check that requests arriving meanwhile share it.
var (
	countsRun   atomic.Int64
	beforeCount atomic.Pointer[func()]
)

func (s *Service) count(ctx context.Context, q *query) (n int, err error) {
	countsRun.Add(1)
	if hold := beforeCount.Load(); hold != nil {
		(*hold)()
	}
	err = s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM reg_person p WHERE `+q.sql(), q.args...).Scan(&n)
	return n, err
}

// store keeps a total (c.mu held); a total counted under an older generation
// than the one kept is dropped.
func (c *countCache) store(key string, e countEntry) {
	if old, ok := c.m[key]; ok && old.gen > e.gen {
		return
	}
	if len(c.m) >= countEntries {
		c.m = map[string]countEntry{}
	}
	e.spread = 80 + rand.IntN(41)
	c.m[key] = e
}
