package db

import "context"

// FillChildCounts counts, for each item, the rows of table whose community_id
// and parentCol equal the item's key (community, id), and hands each count to
// set (0 for an item without rows). One statement over the items' communities:
// on Citus one shard when they share a community. A list that shows each row's
// count of children calls this after reading its page, rather than a subquery
// per row in the page's statement: Citus sends a statement with a correlated
// subquery and parameters to every shard.
func FillChildCounts[T any](ctx context.Context, d *DB, table, parentCol string, items []T, key func(T) (community, id int64), set func(T, int)) error {
	if len(items) == 0 {
		return nil
	}
	keys := make([][2]int64, len(items))
	var communities, ids []int64
	seen := map[int64]bool{}
	for i, it := range items {
		c, id := key(it)
		keys[i] = [2]int64{c, id}
		if !seen[c] {
			seen[c] = true
			communities = append(communities, c)
		}
		ids = append(ids, id)
	}
	inCommunities, args := d.IDsIn("community_id", communities)
	inParents, more := d.IDsIn(parentCol, ids)
	rows, err := d.QueryContext(ctx, `SELECT community_id, `+parentCol+`, COUNT(*) FROM `+table+` WHERE `+inCommunities+` AND `+inParents+` GROUP BY community_id, `+parentCol, append(args, more...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	counts := make(map[[2]int64]int, len(items))
	for rows.Next() {
		var k [2]int64
		var n int
		if err := rows.Scan(&k[0], &k[1], &n); err != nil {
			return err
		}
		counts[k] = n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i, it := range items {
		set(it, counts[keys[i]])
	}
	return nil
}
