package auth

import (
	"sort"
	"sync"

	"linli/internal/i18n"
)

// Role is what a user is in the community's work (DESIGN.md, "Who uses it").
type Role string

const (
	RoleStreetAdmin    Role = "street_admin"    // 街道管理员
	RoleCommunityAdmin Role = "community_admin" // 社区书记/主任
	RoleSocialWorker   Role = "social_worker"   // 社工 (by line of work)
	RoleGridWorker     Role = "grid_worker"     // 网格员
	RoleVolunteer      Role = "volunteer"       // 楼栋长/志愿者
	RoleResident       Role = "resident"        // 居民
	RoleSysAdmin       Role = "sys_admin"       // 系统管理员
	RoleSecurityAdmin  Role = "security_admin"  // 安全管理员
	RoleAuditAdmin     Role = "audit_admin"     // 审计管理员
)

// AllRoles in display order.
var AllRoles = []Role{RoleStreetAdmin, RoleCommunityAdmin, RoleSocialWorker, RoleGridWorker, RoleVolunteer, RoleResident, RoleSysAdmin, RoleSecurityAdmin, RoleAuditAdmin}

// AdminRoles are the three separated administrator duties (三员分立): each stands
// alone on an account, needs a second factor, and sees no resident data.
var AdminRoles = []Role{RoleSysAdmin, RoleSecurityAdmin, RoleAuditAdmin}

// StaffRoles work with community data inside their org scope.
var StaffRoles = []Role{RoleStreetAdmin, RoleCommunityAdmin, RoleSocialWorker, RoleGridWorker, RoleVolunteer}

// IsAdmin reports whether r is one of the three administrator roles.
func (r Role) IsAdmin() bool {
	for _, a := range AdminRoles {
		if a == r {
			return true
		}
	}
	return false
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, a := range AllRoles {
		if a == r {
			return true
		}
	}
	return false
}

// LabelKey is the catalogue key of the role's Chinese name.
func (r Role) LabelKey() string { return "role." + string(r) }

// roleSystem is the role of background work and fixtures (System).
const roleSystem Role = "system"

var _ = i18n.Family("role.", AllRoles...) && i18n.Family("role.", roleSystem)

// Lines of work (口) a social worker belongs to; sensitive groups are visible by line.
var Lines = []string{"civil_affairs", "governance", "party", "family_planning", "culture", "disability", "employment", "safety", "veterans"}

var _ = i18n.Family("line.", Lines...)

// ValidLine reports whether l is a known line of work.
func ValidLine(l string) bool {
	for _, x := range Lines {
		if x == l {
			return true
		}
	}
	return false
}

// Perm is a permission. Modules define their own with Define, naming the roles
// that hold it; the role-to-permission table is the union of those definitions.
type Perm string

type permDef struct {
	perm  Perm
	roles map[Role]bool
}

var (
	permMu sync.RWMutex
	perms  = map[Perm]*permDef{}
)

// Define declares a permission and grants it to roles. Call it from package-level
// var declarations: var PermEdit = auth.Define("org.write", auth.RoleSysAdmin).
// Defining the same permission twice is a programming error.
func Define(p Perm, roles ...Role) Perm {
	permMu.Lock()
	defer permMu.Unlock()
	if _, dup := perms[p]; dup {
		panic("auth: permission defined twice: " + string(p))
	}
	d := &permDef{perm: p, roles: map[Role]bool{}}
	for _, r := range roles {
		d.roles[r] = true
	}
	perms[p] = d
	return p
}

// RoleHas reports whether role r holds permission p.
func RoleHas(r Role, p Perm) bool {
	permMu.RLock()
	defer permMu.RUnlock()
	d, ok := perms[p]
	return ok && d.roles[r]
}

// Perms lists every defined permission, sorted.
func Perms() []Perm {
	permMu.RLock()
	defer permMu.RUnlock()
	out := make([]Perm, 0, len(perms))
	for p := range perms {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Permissions of the foundation.
var (
	PermDashboard      = Define("dashboard.view", RoleStreetAdmin, RoleCommunityAdmin, RoleSocialWorker, RoleGridWorker, RoleVolunteer, RoleSysAdmin, RoleSecurityAdmin, RoleAuditAdmin)
	PermUserAdmin      = Define("user.admin", RoleSysAdmin)
	PermUserLock       = Define("user.lock", RoleSysAdmin, RoleSecurityAdmin)
	PermSecurityConfig = Define("security.config", RoleSecurityAdmin)
	PermAuditRead      = Define("audit.read", RoleAuditAdmin)
)
