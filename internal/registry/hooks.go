package registry

import (
	"context"

	"linli/internal/db"
)

// FollowBuildingGrid keeps the grid copied on registry rows in step when a
// building moves to another grid, or to none (newGrid 0: 未划分网格), places
// calling it inside its transaction.
func FollowBuildingGrid(ctx context.Context, tx *db.Tx, buildingID, newGrid int64) error {
	tx.AfterCommit(registryChanged) // grid totals change
	// Every statement stays in the building's community (one node on Citus,
	// where a write's subqueries must be of the written rows' community).
	var community int64
	if err := tx.QueryRowContext(ctx, `SELECT community_id FROM building WHERE id = ?`, buildingID).Scan(&community); err != nil {
		return err
	}
	for _, q := range []string{
		`UPDATE reg_person SET grid_id = ? WHERE community_id = ? AND dwelling_id IN (SELECT d.id FROM dwelling d WHERE d.community_id = ? AND d.building_id = ?)`,
		`UPDATE reg_household SET grid_id = ? WHERE community_id = ? AND dwelling_id IN (SELECT d.id FROM dwelling d WHERE d.community_id = ? AND d.building_id = ?)`,
		`UPDATE reg_name_gram SET grid_id = ? WHERE community_id = ? AND person_id IN (SELECT p.id FROM reg_person p JOIN dwelling d ON d.community_id = p.community_id AND d.id = p.dwelling_id WHERE p.community_id = ? AND d.building_id = ?)`,
		`UPDATE reg_person_tag SET grid_id = ? WHERE community_id = ? AND person_id IN (SELECT p.id FROM reg_person p JOIN dwelling d ON d.community_id = p.community_id AND d.id = p.dwelling_id WHERE p.community_id = ? AND d.building_id = ?)`,
		`UPDATE reg_rental SET grid_id = ? WHERE community_id = ? AND dwelling_id IN (SELECT d.id FROM dwelling d WHERE d.community_id = ? AND d.building_id = ?)`,
	} {
		if _, err := tx.ExecContext(ctx, q, nullInt(newGrid), community, community, buildingID); err != nil {
			return err
		}
	}
	return nil
}
