package app_test

import (
	"fmt"

	"linli/internal/apptest"
)

func init() { addMatrix(placesGridMatrix) }

// placesGridMatrix: putting buildings in a grid is for staff of the whole
// community (grid workers hold places.write but are refused), on buildings and
// grids of that community.
var placesGridMatrix = map[string]matrixEntry{
	"POST /places/buildings/grid": {allow: communityWriters, kind: "building", scopedBody: true, reach: reachCommunity, audit: "building.assign_grid", body: func(w *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf("building=%d&grid_id=%d", w.Objects["building"][wh], w.Objects["grid_other"][wh])
	}},
}
