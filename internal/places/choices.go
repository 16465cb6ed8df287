package places

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"linli/internal/auth"
	"linli/internal/db"
)

// The resident list offers the estates of the user's scope as a filter on
// every page it shows, and estates change seldom: EstateChoices keeps each
// scope's list for estateChoicesTTL, and forgets every list at once when this
// server writes an estate or a building (estateTx; a grid worker's estates are
// those with a building in their grids). Another server sharing PostgreSQL,
// and the places another module's import writes in its own transaction
// (InsertEstateTx), show in the lists within estateChoicesTTL.
var estateChoicesTTL = 10 * time.Second

// estateChoicesMax bounds the lists kept (one per scope and community asked
// for); when full, the cache starts again empty.
const estateChoicesMax = 1024

// placeWrites moves on every write of an estate or building in this process;
// lists kept under an older value are void.
var placeWrites atomic.Uint64

func estatesChanged() { placeWrites.Add(1) }

// EstatesChanged voids the kept estate lists: for a caller whose own
// transaction wrote estates or buildings through the bulk writers, once it
// has committed (a list kept during the transaction would miss them).
func EstatesChanged() { estatesChanged() }

type estateChoices struct {
	mu sync.Mutex
	m  map[string]estateChoicesEntry
}

type estateChoicesEntry struct {
	list []*Estate
	gen  uint64
	at   time.Time
}

// EstateChoices lists the estates as ListEstates does but without counting
// their buildings (Buildings is 0): enough for a filter's drop-down, which
// pages such as the resident list show on every request. The estates
// returned are shared: callers must not change them.
func (s *Service) EstateChoices(ctx context.Context, p *auth.Principal, communityID int64) ([]*Estate, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	// The scope's ids are arguments of its condition: the key holds them.
	sc, args := estateScope(s.DB.Dialect(), p.Scope, "e")
	key := sc + "\x00" + fmt.Sprint(args...) + "\x00" + strconv.FormatInt(communityID, 10)
	gen := placeWrites.Load()
	c := &s.choices
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && e.gen == gen && time.Since(e.at) < estateChoicesTTL {
		return e.list, nil
	}
	list, err := s.listEstates(ctx, p, communityID, false)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= estateChoicesMax {
		c.m = map[string]estateChoicesEntry{}
	}
	c.m[key] = estateChoicesEntry{list: list, gen: gen, at: time.Now()}
	c.mu.Unlock()
	return list, nil
}

// estateTx runs a write of estates or buildings; once it is over, this
// server's kept estate lists are void (a request during the write may have
// kept the lists as they were before it).
func (s *Service) estateTx(ctx context.Context, fn func(tx *db.Tx) error) error {
	defer estatesChanged()
	return s.DB.InTx(ctx, fn)
}
