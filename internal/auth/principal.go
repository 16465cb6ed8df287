package auth

import (
	"context"

	"linli/internal/i18n"
)

// Principal is the user behind a request: who, what they may do, and where.
type Principal struct {
	UserID      int64
	Username    string
	DisplayName string
	Roles       []Role
	Lines       []string // lines of work (口)
	PersonID    int64    // for residents: their own registry person
	Scope       Scope
	IP          string
	// Session facts for the web layer.
	SessionKind string // "web" or "api"
	CSRF        string
	MFAPending  bool   // logged in with a password, second factor still owed
	MustChange  bool   // must change the password before anything else
	session     string // hash of the session token the request came with ("" otherwise)
	// IsSystem marks the program itself (command line, background jobs): it may
	// do anything, and its writes are audited under its name.
	IsSystem bool
}

// Can reports whether any of the user's roles holds p. A principal with a second
// factor still owed, or with an initial or reset password still to change, can
// do nothing (whichever way it came in: session, API token, Open311 key).
func (p *Principal) Can(perm Perm) bool {
	if p == nil || p.MFAPending || p.MustChange {
		return false
	}
	if p.IsSystem {
		return true
	}
	for _, r := range p.Roles {
		if RoleHas(r, perm) {
			return true
		}
	}
	return false
}

// Has reports whether the user has role r.
func (p *Principal) Has(r Role) bool {
	if p == nil {
		return false
	}
	for _, x := range p.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// HasLine reports whether the user works in line l.
func (p *Principal) HasLine(l string) bool {
	if p == nil {
		return false
	}
	for _, x := range p.Lines {
		if x == l {
			return true
		}
	}
	return false
}

// ErrForbidden is returned when the user lacks a permission.
var ErrForbidden = i18n.NewError("forbidden", "err.forbidden")

// ErrNotFound is returned for objects that do not exist or lie outside the scope.
var ErrNotFound = i18n.NewError("not_found", "err.not_found")

// Require returns ErrForbidden unless the user holds perm.
func (p *Principal) Require(perm Perm) error {
	if !p.Can(perm) {
		return ErrForbidden
	}
	return nil
}

// Access is what a principal may do with one object. The service that loads the
// object decides it once, from the principal's permissions and scope, and hands
// it out with the object; handlers and templates only read it. Reading is
// implied: an object the principal may not read is not found.
type Access struct {
	Write  bool // may change it
	Reveal bool // may see its sensitive values in full (each reveal is still audited)
}

// AccessTo decides Access for an object of community communityID in grid gridID
// (0 for none), given the permissions that write and reveal such objects in
// their module. Both need the object in scope: an object read past the scope
// (a household member living in another grid) is only read.
func (p *Principal) AccessTo(write, reveal Perm, communityID, gridID int64) Access {
	if p == nil || !p.Scope.Allows(communityID, gridID) {
		return Access{}
	}
	return Access{Write: p.Can(write), Reveal: reveal != "" && p.Can(reveal)}
}

// AuditActor identifies the principal in the audit log.
func (p *Principal) AuditActor() (int64, string, string, string) {
	if p == nil {
		return 0, "", "", ""
	}
	role := ""
	if len(p.Roles) > 0 {
		role = string(p.Roles[0])
		for _, r := range p.Roles[1:] {
			role += "," + string(r)
		}
	}
	return p.UserID, p.Username, role, p.IP
}

type ctxKey struct{}

// WithPrincipal stores p in ctx.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal of ctx, or nil for anonymous requests.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}

// System is the principal for work the program does itself (migrations, demo
// set-up, background jobs, command-line administration run on the server).
func System(name string) *Principal {
	return &Principal{Username: name, Scope: NewScope(true, nil, nil, nil), SessionKind: "system", IsSystem: true, Roles: []Role{roleSystem}}
}
