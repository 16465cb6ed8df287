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
	for _, q := range []string{
		`UPDATE reg_person SET grid_id = ? WHERE dwelling_id IN (SELECT id FROM dwelling WHERE building_id = ?)`,
		`UPDATE reg_household SET grid_id = ? WHERE dwelling_id IN (SELECT id FROM dwelling WHERE building_id = ?)`,
		`UPDATE reg_name_gram SET grid_id = ? WHERE person_id IN (SELECT p.id FROM reg_person p JOIN dwelling d ON d.id = p.dwelling_id WHERE d.building_id = ?)`,
		`UPDATE reg_person_tag SET grid_id = ? WHERE person_id IN (SELECT p.id FROM reg_person p JOIN dwelling d ON d.id = p.dwelling_id WHERE d.building_id = ?)`,
		`UPDATE reg_rental SET grid_id = ? WHERE dwelling_id IN (SELECT id FROM dwelling WHERE building_id = ?)`,
	} {
		if _, err := tx.ExecContext(ctx, q, nullInt(newGrid), buildingID); err != nil {
			return err
		}
	}
	return nil
}
