// Package registry is the resident registry (一户一档): people, households with
// exactly one head, where each person lives and since when, groups (tags) with
// their sensitivity, the timeline of births, deaths, moves and household changes,
// and rental housing. Every other module points at it.
package registry

import (
	"embed"

	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/identity"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the registry's schema (after org and places).
var Migrations = db.NewMigrations("registry", migrationFS).
	Reference("reg_tag").
	ByCommunity("reg_household", "reg_person", "reg_name_gram", "reg_person_tag", "reg_residence", "reg_event", "reg_rental", "reg_rental_tenant").
	DistributedBy("reg_identity", "id_hash")

// Permissions. Volunteers (楼栋长) record service, not the registry; the three
// administrators see no resident data. Showing a full ID number or phone is a
// separate, audited permission.
var (
	PermRead     = auth.Define("registry.read", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker)
	PermWrite    = auth.Define("registry.write", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker)
	PermReveal   = auth.Define("registry.reveal", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker)
	PermImport   = auth.Define("registry.import", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker)
	PermExport   = auth.Define("registry.export", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker)
	PermTagAdmin = auth.Define("registry.tag_admin", auth.RoleSysAdmin)
)

// Relations to the head of household (与户主关系).
const RelationSelf = "self"

// Relations in display order.
var Relations = []string{RelationSelf, "spouse", "son", "daughter", "parent", "grandparent", "grandchild", "sibling", "other"}

var _ = i18n.Family("registry.relation.", Relations...)

// Residence types (户籍, 常住, 流动, 人户分离, 空挂户).
var ResidenceTypes = []string{"registered", "resident", "migrant", "separated", "nominal"}

var _ = i18n.Family("registry.residence.", ResidenceTypes...)

// Statuses of a person.
const (
	StatusActive   = "active"
	StatusMovedOut = "moved_out"
	StatusDeceased = "deceased"
)

var _ = i18n.Family("registry.status.", StatusActive, StatusMovedOut, StatusDeceased)

var _ = i18n.Family("registry.sex.", identity.Male, identity.Female)

// Event kinds of the timeline.
const (
	EventRegister = "register" // first recorded
	EventBirth    = "birth"
	EventDeath    = "death"
	EventMoveIn   = "move_in"
	EventMoveOut  = "move_out"
	EventChange   = "household_change" // 户内变更
	EventSplit    = "split"            // 分户
	EventMerge    = "merge"            // 合户
	EventUpdate   = "update"
	EventTags     = "tags"
	EventImport   = "import"
)

var _ = i18n.Family("registry.event.", EventRegister, EventBirth, EventDeath, EventMoveIn, EventMoveOut, EventChange, EventSplit, EventMerge, EventUpdate, EventTags, EventImport)

// Choice lists kept as codes with catalogue labels.
var (
	Politicals = []string{"cpc", "cpc_probationary", "cyl", "democratic", "masses"}
	Educations = []string{"none", "primary", "junior", "senior", "college", "bachelor", "postgraduate"}
	Maritals   = []string{"single", "married", "divorced", "widowed"}

	_ = i18n.Family("registry.political.", Politicals...)
	_ = i18n.Family("registry.education.", Educations...)
	_ = i18n.Family("registry.marital.", Maritals...)
)

// Ethnicities are the 56 ethnic groups of GB/T 3304, as written in ledgers.
var Ethnicities = []string{"汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族"}

// valid reports whether v is one of list.
func valid(v string, list []string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
