package app_test

import (
	"fmt"
	"strings"

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

// on is the date of the registry's moves and changes in the matrix.
const on = "&on=2026-01-02"

// idOf is a fixture object's id as a form value.
func idOf(w *apptest.World, kind string, wh apptest.Where) string {
	return fmt.Sprint(w.Objects[kind][wh])
}

func init() {
	addMatrix(map[string]matrixEntry{
		"GET /registry":            {allow: registryReaders},
		"GET /registry/people/new": {allow: registryWriters},
		"POST /registry/people/new": {allow: registryWriters, scopedBody: true, audit: "person.create", body: func(w *apptest.World, wh apptest.Where) string {
			return fmt.Sprintf("dwelling_id=%d&name=矩阵新人&household_number=H-矩阵", w.Objects["dwelling"][wh])
		}},
		"GET /registry/people/{id}": {allow: registryReaders, kind: "person"},
		"POST /registry/people/{id}/reveal": {allow: registryRevealers, kind: "person", body: form("reason=矩阵核对"), audit: "person.reveal", proof: func(p proofArgs) error {
			return want(strings.Contains(p.body, apptest.HeadIDNumber(p.wh)), "the page does not show the full ID number")
		}},
		"POST /registry/export": {allow: registryRevealers, body: form("format=csv&unmasked=1&reason=矩阵核对"), audit: "person.export_unmasked", proof: func(p proofArgs) error {
			for _, wh := range places3 {
				if apptest.Reaches(p.user, wh) != strings.Contains(p.body, apptest.HeadIDNumber(wh)) {
					return fmt.Errorf("the export holds the full ID number of %v's head: %v, want %v", wh, !apptest.Reaches(p.user, wh), apptest.Reaches(p.user, wh))
				}
			}
			return nil
		}},
		"GET /registry/people/{id}/edit": {allow: registryWriters, kind: "person"},
		// Each change of the person page is a form on a page of its own.
		"GET /registry/people/{id}/tags":  {allow: registryWriters, kind: "person"},
		"GET /registry/people/{id}/move":  {allow: registryWriters, kind: "person"},
		"GET /registry/people/{id}/leave": {allow: registryWriters, kind: "person"},
		"POST /registry/people/{id}/edit": {allow: registryWriters, kind: "person", body: form("name=改名居民&ethnicity=汉族&residence_type=resident"), audit: "person.update", proof: personNamed("改名居民")},
		"POST /registry/people/{id}/tags": {allow: registryWriters, kind: "person", body: form("tags=elderly&tags=living_alone"), audit: "person.tags"},
		"POST /registry/people/{id}/move": {allow: registryWriters, kind: "person", audit: "person.move", body: func(w *apptest.World, wh apptest.Where) string {
			return "dwelling_id=" + idOf(w, "empty_dwelling", wh) + on
		}},
		"POST /registry/people/{id}/leave": {allow: registryWriters, kind: "member", body: form("kind=death" + on), audit: "person.death"},

		"GET /registry/households/{id}": {allow: registryReaders, kind: "household"},
		// Each change of the household file is a form on a page of its own.
		"GET /registry/households/{id}/head":  {allow: registryWriters, kind: "household"},
		"GET /registry/households/{id}/split": {allow: registryWriters, kind: "household"},
		"GET /registry/households/{id}/merge": {allow: registryWriters, kind: "household"},
		"GET /registry/households/{id}/move":  {allow: registryWriters, kind: "household"},
		"POST /registry/households/{id}/head": {allow: registryWriters, kind: "household", audit: "household.head", body: func(w *apptest.World, wh apptest.Where) string {
			return fmt.Sprintf("new_head=%s&relation_%s=spouse%s", idOf(w, "member", wh), idOf(w, "person", wh), on)
		}},
		"POST /registry/households/{id}/split": {allow: registryWriters, kind: "household", audit: "household.split", body: func(w *apptest.World, wh apptest.Where) string {
			return fmt.Sprintf("members=%s&new_head=%s&number=H-分户&dwelling_id=%s%s", idOf(w, "member", wh), idOf(w, "member", wh), idOf(w, "empty_dwelling", wh), on)
		}},
		"POST /registry/households/{id}/merge": {allow: registryWriters, kind: "household", audit: "household.merge", auditOther: true, body: func(w *apptest.World, wh apptest.Where) string {
			return fmt.Sprintf("into_number=H-%s二&relation_%s=other&relation_%s=other%s", tags3[wh], idOf(w, "person", wh), idOf(w, "member", wh), on)
		}},
		"POST /registry/households/{id}/move": {allow: registryWriters, kind: "household", audit: "household.move", body: func(w *apptest.World, wh apptest.Where) string {
			return "dwelling_id=" + idOf(w, "empty_dwelling", wh) + on
		}},

		"GET /registry/grid":                {allow: registryReaders},
		"GET /registry/grid/buildings/{id}": {allow: registryReaders, kind: "building"},
		"GET /registry/grid/people/{id}":    {allow: registryWriters, kind: "person"},
		"POST /registry/grid/people/{id}":   {allow: registryWriters, kind: "person", body: form("phone=13900001111"), audit: "person.update"},

		"GET /registry/tags":       {allow: tagAdmins},
		"POST /registry/tags":      {allow: tagAdmins, body: form("code=matrix_group&name=矩阵人群&sensitivity=0&active=1"), audit: "tag.create"},
		"GET /registry/tags/{id}":  {allow: tagAdmins, kind: "tag", reach: reachAll},
		"POST /registry/tags/{id}": {allow: tagAdmins, kind: "tag", reach: reachAll, body: form("name=高龄老人&sensitivity=0&active=1"), audit: "tag.update"},

		"GET /registry/rentals":     {allow: registryReaders},
		"GET /registry/rentals/new": {allow: registryWriters},
		"POST /registry/rentals/new": {allow: registryWriters, scopedBody: true, audit: "rental.create", body: func(w *apptest.World, wh apptest.Where) string {
			return fmt.Sprintf("dwelling_id=%d&landlord_name=矩阵房东&lease_from=2026-01-01", w.Objects["empty_dwelling"][wh])
		}},
		"GET /registry/rentals/{id}":           {allow: registryReaders, kind: "rental"},
		"POST /registry/rentals/{id}":          {allow: registryWriters, kind: "rental", body: form("landlord_name=改名房东&lease_from=2025-02-01&lease_to=2027-12-31"), audit: "rental.update"},
		"POST /registry/rentals/{id}/end":      {allow: registryWriters, kind: "rental", body: form("on=2026-02-01"), audit: "rental.end"},
		"POST /registry/rentals/{id}/tenants":  {allow: registryWriters, kind: "rental", body: func(w *apptest.World, wh apptest.Where) string { return "person_id=" + idOf(w, "person", wh) }, audit: "rental.tenant_add"},
		"POST /registry/rentals/{id}/landlord": {allow: registryWriters, kind: "rental", body: func(w *apptest.World, wh apptest.Where) string { return "person_id=" + idOf(w, "person", wh) }, audit: "rental.landlord"},
		"POST /registry/rentals/{id}/reveal": {allow: registryRevealers, kind: "rental", body: form("reason=矩阵核对"), audit: "rental.reveal", proof: func(p proofArgs) error {
			return want(strings.Contains(p.body, apptest.LandlordPhone(p.wh)), "the page does not show the landlord's full phone")
		}},
		"GET /api/v1/people":      {allow: registryReaders},
		"GET /api/v1/people/{id}": {allow: registryReaders, kind: "person"},
		"PUT /api/v1/people/{id}": {allow: registryWriters, kind: "person", body: form(`{"name":"改名居民","ethnicity":"汉族"}`), audit: "person.update", proof: personNamed("改名居民")},
		"POST /api/v1/people/{id}/reveal": {allow: registryRevealers, kind: "person", body: form(`{"reason":"矩阵核对"}`), audit: "person.reveal", proof: func(p proofArgs) error {
			return want(strings.Contains(p.body, apptest.HeadIDNumber(p.wh)), "the answer does not hold the full ID number")
		}},
		"GET /api/v1/households/{id}": {allow: registryReaders, kind: "household"},
		"GET /api/v1/tags":            {allow: registryReaders},
		"POST /api/v1/people": {allow: registryWriters, scopedBody: true, audit: "person.create", body: func(w *apptest.World, wh apptest.Where) string {
			return fmt.Sprintf(`{"dwelling_id":%d,"name":"接口矩阵","household_number":"H-接口"}`, w.Objects["dwelling"][wh])
		}},
	})
}

// tags3 name the places as the fixtures do.
var tags3 = map[apptest.Where]string{apptest.InA: "甲", apptest.InB: "乙", apptest.InD: "丁"}

// personNamed: the person of the route now has name.
func personNamed(name string) func(p proofArgs) error {
	return func(p proofArgs) error {
		return want(p.count(`SELECT COUNT(*) FROM reg_person WHERE id = ? AND name = ?`, p.id, name) == 1, "the person is not named %s", name)
	}
}
