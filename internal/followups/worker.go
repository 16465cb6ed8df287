package followups

import (
	"context"
	"time"
)

// RunWorker brings every community's duties in step with the registry now and
// every SyncEvery, until ctx ends: tags given and ended, people moved to
// another grid, moved away or died (writes of the registry do not call this
// module). Several instances may run it on one database: a duty that two of
// them insert at once is inserted once (Sync), and the rest are the same
// updates twice.
func (s *Service) RunWorker(ctx context.Context) {
	every := s.SyncEvery
	if every <= 0 {
		every = 10 * time.Minute
	}
	t := time.NewTimer(5 * time.Second) // after start-up's own work
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.SyncAll(ctx); err != nil && ctx.Err() == nil && s.Log != nil {
				s.Log.Warn("followups: sync", "err", err)
			}
			t.Reset(every)
		}
	}
}
