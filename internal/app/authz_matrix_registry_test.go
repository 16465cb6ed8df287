package app_test

import (
	"fmt"

	"linli/internal/apptest"
)

// The resident registry's pages and API. Readers and writers are the staff who
// work with residents (not volunteers, residents or the three administrators);
// revealing a full document is for leaders and social workers; groups are
// defined by the system administrator alone.
var (
	registryReaders   = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker", "grid_worker"}
	registryWriters   = registryReaders
	registryRevealers = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker"}
	tagAdmins         = []string{"sys_admin"}
)

func form(s string) func(*apptest.World, apptest.Where) string {
	return func(*apptest.World, apptest.Where) string { return s }
}

func init() {
	addMatrix(map[string]matrixEntry{
		"GET /registry":            {allow: registryReaders},
		"GET /registry/people/new": {allow: registryWriters},
		"POST /registry/people/new": {allow: registryWriters, scopedBody: true, body: func(w *apptest.World, wh apptest.Where) string {
			return fmt.Sprintf("dwelling_id=%d&name=矩阵新人&household_number=H-矩阵", w.Objects["dwelling"][wh])
		}},
		"GET /registry/people/{id}":         {allow: registryReaders, kind: "person"},
		"POST /registry/people/{id}/reveal": {allow: registryRevealers, kind: "person", body: form("reason=矩阵核对")},
		"POST /registry/export":             {allow: registryRevealers, body: form("format=csv&unmasked=1&reason=矩阵核对")},
		"GET /registry/people/{id}/edit":    {allow: registryWriters, kind: "person"},
		"POST /registry/people/{id}/edit":   {allow: registryWriters, kind: "person", body: form("name=")},
		"POST /registry/people/{id}/tags":   {allow: registryWriters, kind: "person", body: form("tags=elderly")},
		"POST /registry/people/{id}/move":   {allow: registryWriters, kind: "person", body: form("on=")},
		"POST /registry/people/{id}/leave":  {allow: registryWriters, kind: "member", body: form("kind=death&on=")},

		"GET /registry/households/{id}":        {allow: registryReaders, kind: "household"},
		"POST /registry/households/{id}/head":  {allow: registryWriters, kind: "household", body: form("on=")},
		"POST /registry/households/{id}/split": {allow: registryWriters, kind: "household", body: form("on=")},
		"POST /registry/households/{id}/merge": {allow: registryWriters, kind: "household", body: form("into_number=")},
		"POST /registry/households/{id}/move":  {allow: registryWriters, kind: "household", body: form("on=")},

		"GET /registry/grid":                {allow: registryReaders},
		"GET /registry/grid/buildings/{id}": {allow: registryReaders, kind: "building"},
		"GET /registry/grid/people/{id}":    {allow: registryWriters, kind: "person"},
		"POST /registry/grid/people/{id}":   {allow: registryWriters, kind: "person", body: form("phone=1")},

		"GET /registry/tags":       {allow: tagAdmins},
		"POST /registry/tags":      {allow: tagAdmins, body: form("code=")},
		"GET /registry/tags/{id}":  {allow: tagAdmins, kind: "tag", reach: reachAll},
		"POST /registry/tags/{id}": {allow: tagAdmins, kind: "tag", reach: reachAll, body: form("name=")},

		"GET /registry/rentals":     {allow: registryReaders},
		"GET /registry/rentals/new": {allow: registryWriters},
		"POST /registry/rentals/new": {allow: registryWriters, scopedBody: true, body: func(w *apptest.World, wh apptest.Where) string {
			return fmt.Sprintf("dwelling_id=%d&landlord_name=矩阵房东&lease_from=2026-01-01", w.Objects["dwelling"][wh])
		}},
		"GET /registry/rentals/{id}":           {allow: registryReaders, kind: "rental"},
		"POST /registry/rentals/{id}":          {allow: registryWriters, kind: "rental", body: form("lease_from=")},
		"POST /registry/rentals/{id}/end":      {allow: registryWriters, kind: "rental", body: form("on=")},
		"POST /registry/rentals/{id}/tenants":  {allow: registryWriters, kind: "rental", body: form("person_id=0")},
		"POST /registry/rentals/{id}/landlord": {allow: registryWriters, kind: "rental", body: form("person_id=0")},
		"POST /registry/rentals/{id}/reveal":   {allow: registryRevealers, kind: "rental", body: form("reason=矩阵核对")},
		"GET /api/v1/people":                   {allow: registryReaders},
		"GET /api/v1/people/{id}":              {allow: registryReaders, kind: "person"},
		"PUT /api/v1/people/{id}":              {allow: registryWriters, kind: "person", body: form(`{"name":""}`)},
		"POST /api/v1/people/{id}/reveal":      {allow: registryRevealers, kind: "person", body: form(`{"reason":"矩阵核对"}`)},
		"GET /api/v1/households/{id}":          {allow: registryReaders, kind: "household"},
		"GET /api/v1/tags":                     {allow: registryReaders},
		"POST /api/v1/people": {allow: registryWriters, scopedBody: true, body: func(w *apptest.World, wh apptest.Where) string {
			return fmt.Sprintf(`{"dwelling_id":%d,"name":"接口矩阵","household_number":"H-接口"}`, w.Objects["dwelling"][wh])
		}},
	})
}
