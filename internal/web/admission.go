package web

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// admission lets a bounded number of requests run at once and admits the
// others in arrival order. On a small server thirty requests running together
// share the cores and the database connections in no particular order (Go's
// connection pool hands a freed connection to a random waiter), so each
// takes thirty times its own time and the unlucky ones twice that; run a few
// at a time, first come first served, every request takes about the same
// time, and the slowest users wait half as long. Channel senders queue in
// order, which is what makes the admission first come first served.
//
// A request that runs longer than hold (an export streaming for a minute, an
// import) leaves the count but keeps running, so that long work can never
// hold the queue.
type admission struct {
	slots   chan struct{}
	hold    time.Duration
	waiting atomic.Int64
}

// admitHold is how long a request counts against the limit at most.
const admitHold = time.Second

// defaultMaxActive: four per core, so that while some requests wait for the
// database (PostgreSQL works in processes of its own) others use the cores.
// Measured on two cores with 32 clients: on PostgreSQL 8 serve a fifth more
// than 4 and 2; on SQLite 2, 4 and 8 serve alike.
func defaultMaxActive() int { return 4 * runtime.GOMAXPROCS(0) }

func newAdmission(n int, hold time.Duration) *admission {
	if n <= 0 {
		n = defaultMaxActive()
	}
	return &admission{slots: make(chan struct{}, n), hold: hold}
}

// enter waits for a slot (or for the client to give up) and returns the
// function that gives it back; calling that more than once is harmless.
func (a *admission) enter(ctx context.Context) (leave func(), err error) {
	select {
	case a.slots <- struct{}{}:
	default:
		a.waiting.Add(1)
		select {
		case a.slots <- struct{}{}:
			a.waiting.Add(-1)
		case <-ctx.Done():
			a.waiting.Add(-1)
			return nil, ctx.Err()
		}
	}
	var once sync.Once
	release := func() { once.Do(func() { <-a.slots }) }
	t := time.AfterFunc(a.hold, release)
	return func() {
		t.Stop()
		release()
	}, nil
}

// running is how many requests hold a slot now; waiting how many queue.
func (a *admission) running() int { return len(a.slots) }
