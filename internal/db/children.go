package db

import "context"

// CountChildren counts, for each (community, parent id) key, the rows of table
// whose community_id and parentCol equal it (keys without rows are absent).
// One statement over the keys' communities: on Citus one shard when they
// share a community. A list that shows each row's count of children calls
// this after reading its page, rather than a subquery per row in the page's
// statement: Citus sends a statement with a correlated subquery and
// parameters to every shard.
func (d *DB) CountChildren(ctx context.Context, table, parentCol string, keys [][2]int64) (map[[2]int64]int, error) {
	out := make(map[[2]int64]int, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	var communities, ids []int64
	seen := map[int64]bool{}
	for _, k := range keys {
		if !seen[k[0]] {
			seen[k[0]] = true
			communities = append(communities, k[0])
		}
		ids = append(ids, k[1])
	}
	inCommunities, args := d.IDsIn("community_id", communities)
	inParents, more := d.IDsIn(parentCol, ids)
	rows, err := d.QueryContext(ctx, `SELECT community_id, `+parentCol+`, COUNT(*) FROM `+table+` WHERE `+inCommunities+` AND `+inParents+` GROUP BY community_id, `+parentCol, append(args, more...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k [2]int64
		var n int
		if err := rows.Scan(&k[0], &k[1], &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}
