package places

import (
	"context"
	"sync"

	"linli/internal/db"
)

// Lists of residents show each one's address, which takes four lookups (the
// dwelling, its building, entrance and estate) per row: a third of a resident
// list page's time at a million residents. Addresses change rarely (an estate
// renamed, a room renumbered), so each server keeps the ones it has shown.
//
// Every change to a place's name or position moves place_revision in its own
// transaction (placesChanged); a reader reads the revision with its rows
// (RevisionColumn) and drops the whole cache when it moved, so an address is
// never older than the rows it is shown with, on this server or on any other
// server sharing the database.

// addressCacheMax bounds the cache (about 100 bytes an entry); when full it
// starts again empty, which costs one page of lookups per list.
const addressCacheMax = 65536

type addressCache struct {
	mu  sync.Mutex
	rev int64
	m   map[int64]string
}

// placesChanged moves the revision inside the transaction that changes a
// place's name or position.
func placesChanged(ctx context.Context, tx *db.Tx) error {
	_, err := tx.ExecContext(ctx, `UPDATE place_revision SET rev = rev + 1 WHERE id = 1`)
	return err
}

// RevisionColumn reads the revision of places as a column of another query,
// so that a list reads its rows and the revision they are current at in one
// round trip (see DwellingAddresses).
const RevisionColumn = `(SELECT rev FROM place_revision WHERE id = 1)`

// DwellingAddresses returns the address of each dwelling id ("翠苑一区 3幢 2单元
// 301"); ids that name no dwelling are absent. rev is RevisionColumn, read by
// the query that read the ids: the cache serves them only if no place changed
// since. It checks no scope: callers pass the dwelling ids of rows they have
// already read within the user's scope, and the communities those dwellings
// lie in (on Citus the statement goes to their nodes only: one for a grid
// worker or a community's staff).
func (s *Service) DwellingAddresses(ctx context.Context, q db.Queryer, rev int64, communities, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	c := &s.addresses
	missing := map[int64]bool{}
	c.mu.Lock()
	if c.m == nil || rev > c.rev {
		c.m, c.rev = map[int64]string{}, rev
	}
	current := rev == c.rev // a request that read an older revision neither uses nor fills the cache
	for _, id := range ids {
		if a, ok := c.m[id]; ok && current {
			out[id] = a
		} else {
			missing[id] = true
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	ask := make([]int64, 0, len(missing))
	for id := range missing {
		ask = append(ask, id)
	}
	// The communities as a list (one: "= ?"), not an array: with an
	// equality PostgreSQL carries the community to the joined buildings,
	// estates and entrances and looks each up by its key; given "= ANY" a
	// Citus worker hashed every building of its shard for 50 addresses.
	inCommunities, args := s.DB.Dialect().IDSet("d.community_id", communities)
	in, idArgs := s.DB.IDsIn("d.id", ask)
	rows, err := q.QueryContext(ctx, `SELECT d.id, d.room, COALESCE(e.name, ''), COALESCE(b.name, ''), COALESCE(en.name, '')
		FROM dwelling d LEFT JOIN building b ON b.community_id = d.community_id AND b.id = d.building_id
		LEFT JOIN estate e ON e.community_id = b.community_id AND e.id = b.estate_id
		LEFT JOIN entrance en ON en.community_id = d.community_id AND en.id = d.entrance_id
		WHERE `+inCommunities+` AND `+in, append(args, idArgs...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := make(map[int64]string, len(missing))
	for rows.Next() {
		var d Dwelling
		if err := rows.Scan(&d.ID, &d.Room, &d.EstateName, &d.BuildingName, &d.EntranceName); err != nil {
			return nil, err
		}
		found[d.ID] = d.Address()
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.rev == rev { // not dropped meanwhile for a newer revision
		if len(c.m)+len(found) > addressCacheMax {
			c.m = map[int64]string{}
		}
		for id, a := range found {
			c.m[id] = a
		}
	}
	c.mu.Unlock()
	for id, a := range found {
		out[id] = a
	}
	return out, nil
}
