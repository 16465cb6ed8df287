package auth

import (
	"context"
	"sync"
	"time"

	"linli/internal/db"
)

// Session bookkeeping (last seen, ended sessions) is written in the
// background, batched, never by the request that reads a page: on SQLite a
// ledger import holds the one writer for minutes, and a page view that waited
// for it to note "last seen" would hang with it. Until a batch is written the
// pending values are kept here and Authenticate reads them over the stored ones.
type bookkeeping struct {
	flushMu  sync.Mutex // one flush at a time; FlushBookkeeping waits for a running one
	mu       sync.Mutex
	seen     map[string]int64 // session token hash → last seen (ms)
	tokens   map[int64]int64  // API token id → last used (ms)
	ended    map[string]bool  // session token hashes to delete
	endedFor map[int64]bool   // users whose sessions all end
	flushing bool
	retryAt  time.Time // after a failed flush, not before then
}

// flushRetry is how long a flush that found the writer busy waits before the
// next try.
const flushRetry = 5 * time.Second

// lastSeen is the later of the stored and the pending last-seen time.
func (b *bookkeeping) lastSeen(th string, stored int64) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return max(stored, b.seen[th])
}

// sessionEnded reports whether a session (or all of its user's) is queued for
// deletion: it is over even while the row is still there.
func (b *bookkeeping) sessionEnded(th string, user int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ended[th] || b.endedFor[user]
}

func (b *bookkeeping) noteSeen(th string, at int64) {
	b.mu.Lock()
	if b.seen == nil {
		b.seen = map[string]int64{}
	}
	b.seen[th] = max(b.seen[th], at)
	b.mu.Unlock()
}

func (b *bookkeeping) noteTokenUsed(id, at int64) {
	b.mu.Lock()
	if b.tokens == nil {
		b.tokens = map[int64]int64{}
	}
	b.tokens[id] = max(b.tokens[id], at)
	b.mu.Unlock()
}

func (b *bookkeeping) endSession(th string) {
	b.mu.Lock()
	if b.ended == nil {
		b.ended = map[string]bool{}
	}
	b.ended[th] = true
	b.mu.Unlock()
}

func (b *bookkeeping) endSessionsOf(user int64) {
	b.mu.Lock()
	if b.endedFor == nil {
		b.endedFor = map[int64]bool{}
	}
	b.endedFor[user] = true
	b.mu.Unlock()
}

// flushSoon starts a background flush unless one is running or a failed one
// asked to wait.
func (s *Service) flushSoon() {
	b := &s.books
	b.mu.Lock()
	if b.flushing || time.Now().Before(b.retryAt) || (len(b.seen) == 0 && len(b.tokens) == 0 && len(b.ended) == 0 && len(b.endedFor) == 0) {
		b.mu.Unlock()
		return
	}
	b.flushing = true
	b.mu.Unlock()
	go func() {
		err := s.FlushBookkeeping(context.Background())
		b.mu.Lock()
		b.flushing = false
		if err != nil {
			b.retryAt = time.Now().Add(flushRetry)
		}
		b.mu.Unlock()
	}()
}

// FlushBookkeeping writes the pending session bookkeeping in one transaction.
// What it could not write (the writer was busy) stays pending for the next try.
func (s *Service) FlushBookkeeping(ctx context.Context) error {
	b := &s.books
	b.flushMu.Lock()
	defer b.flushMu.Unlock()
	b.mu.Lock()
	seen, tokens, ended, endedFor := b.seen, b.tokens, b.ended, b.endedFor
	b.seen, b.tokens, b.ended, b.endedFor = nil, nil, nil, nil
	b.mu.Unlock()
	if len(seen) == 0 && len(tokens) == 0 && len(ended) == 0 && len(endedFor) == 0 {
		return nil
	}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		for th, at := range seen {
			if _, err := tx.ExecContext(ctx, `UPDATE auth_session SET last_seen_at = ? WHERE token_hash = ? AND last_seen_at < ?`, at, th, at); err != nil {
				return err
			}
		}
		for id, at := range tokens {
			if _, err := tx.ExecContext(ctx, `UPDATE auth_api_token SET last_used_at = ? WHERE id = ? AND last_used_at < ?`, at, id, at); err != nil {
				return err
			}
		}
		for th := range ended {
			if _, err := tx.ExecContext(ctx, `DELETE FROM auth_session WHERE token_hash = ?`, th); err != nil {
				return err
			}
		}
		for u := range endedFor {
			if _, err := tx.ExecContext(ctx, `DELETE FROM auth_session WHERE user_id = ?`, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		// Put it all back, merged with what came meanwhile.
		for th, at := range seen {
			b.noteSeen(th, at)
		}
		for id, at := range tokens {
			b.noteTokenUsed(id, at)
		}
		for th := range ended {
			b.endSession(th)
		}
		for u := range endedFor {
			b.endSessionsOf(u)
		}
	}
	return err
}
