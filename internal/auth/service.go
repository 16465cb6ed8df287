// Package auth holds accounts, roles, permissions, scope, sessions and the second
// factor. The web layer turns a cookie or bearer token into a Principal here; the
// modules ask the Principal what it may do and where (see Scope).
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"linli/internal/audit"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/privacy"
	"linli/internal/settings"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the auth module's schema.
var Migrations = db.NewMigrations("auth", migrationFS).
	Reference("auth_user", "auth_user_role", "auth_user_scope", "auth_session", "auth_api_token")

// Service is the account and session service.
type Service struct {
	DB    *db.DB
	Audit *audit.Log
	Keys  *privacy.Keys
	Orgs  OrgIndex
	// Defaults for the security policy; the security administrator may change them.
	DefaultIdle time.Duration

	policy policyCache
	books  bookkeeping
}

// The policy is read on every request and changes perhaps once a year: it is
// kept for policyTTL, and forgotten at once when changed on this server
// (another server sharing the database follows within policyTTL).
const policyTTL = 5 * time.Second

type policyCache struct {
	mu sync.Mutex
	p  Policy
	at time.Time
}

// Policy is the security policy in force.
type Policy struct {
	Idle        time.Duration // idle sessions end after this
	MaxFailures int           // failed logins before the account locks
	LockFor     time.Duration // how long a lock lasts
	MaxSession  time.Duration // absolute session lifetime
}

// Setting keys of the policy.
const (
	SettingIdleMinutes = "security.idle_minutes"
	SettingMaxFailures = "security.max_failures"
	SettingLockMinutes = "security.lock_minutes"
)

// Policy reads the policy in force.
func (s *Service) Policy(ctx context.Context) Policy {
	def := int(s.DefaultIdle / time.Minute)
	if def <= 0 {
		def = 30
	}
	c := &s.policy
	c.mu.Lock()
	p, at := c.p, c.at
	c.mu.Unlock()
	if !at.IsZero() && time.Since(at) < policyTTL {
		return p
	}
	// One query for the three.
	set, err := settings.GetMany(ctx, s.DB.Reader(), SettingIdleMinutes, SettingMaxFailures, SettingLockMinutes)
	idle := settings.Int(set[SettingIdleMinutes], def)
	fails := settings.Int(set[SettingMaxFailures], 5)
	lock := settings.Int(set[SettingLockMinutes], 15)
	p = Policy{Idle: time.Duration(idle) * time.Minute, MaxFailures: fails, LockFor: time.Duration(lock) * time.Minute, MaxSession: 12 * time.Hour}
	if err == nil {
		c.mu.Lock()
		c.p, c.at = p, time.Now()
		c.mu.Unlock()
	}
	return p
}

// SetPolicy changes the policy (security administrator).
func (s *Service) SetPolicy(ctx context.Context, actor *Principal, p Policy) error {
	if err := actor.Require(PermSecurityConfig); err != nil {
		return err
	}
	errs := &i18n.Errors{}
	idle, fails, lock := int(p.Idle/time.Minute), p.MaxFailures, int(p.LockFor/time.Minute)
	if idle < 5 || idle > 480 {
		errs.Add("idle_minutes", "err.range", "field", i18n.T("auth.idle_minutes"), "min", 5, "max", 480)
	}
	if fails < 3 || fails > 10 {
		errs.Add("max_failures", "err.range", "field", i18n.T("auth.max_failures"), "min", 3, "max", 10)
	}
	if lock < 5 || lock > 1440 {
		errs.Add("lock_minutes", "err.range", "field", i18n.T("auth.lock_minutes"), "min", 5, "max", 1440)
	}
	if errs.Any() {
		return errs
	}
	defer func() { // read it anew, changed or not
		s.policy.mu.Lock()
		s.policy.at = time.Time{}
		s.policy.mu.Unlock()
	}()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		for k, v := range map[string]int{SettingIdleMinutes: idle, SettingMaxFailures: fails, SettingLockMinutes: lock} {
			if err := settings.Set(ctx, tx, k, fmt.Sprint(v), actor.UserID); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(actor, "security.policy", "setting", "security", 0, audit.Success).
			WithDetail(map[string]int{"idle_minutes": idle, "max_failures": fails, "lock_minutes": lock}))
	})
}

// User is an account as administrators see it.
type User struct {
	ID          int64
	Username    string
	DisplayName string
	Phone       string
	Roles       []Role
	Lines       []string
	ScopeRoots  []int64
	Disabled    bool
	LockedUntil int64
	TOTPEnabled bool
	MFAExempt   bool
	PersonID    int64
	MustChange  bool
	LastLoginAt int64
	CreatedAt   int64
}

// Locked reports whether the account is locked at now.
func (u *User) Locked(now int64) bool { return u.LockedUntil > now }

// NeedsMFA reports whether the account must pass a second factor.
func (u *User) NeedsMFA() bool {
	if u.MFAExempt {
		return false
	}
	for _, r := range u.Roles {
		if r.IsAdmin() {
			return true
		}
	}
	return false
}

var usernameRe = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_.-]{2,31}$`)

// NewUser is what creating an account takes.
type NewUser struct {
	Username    string
	DisplayName string
	Phone       string
	Password    string
	Roles       []Role
	Lines       []string
	Scope       []int64 // org unit ids
	MFAExempt   bool    // demo accounts only
	PersonID    int64   // residents: their registry person
	MustChange  bool
}

// UnitInfo describes an org unit for scope validation.
type UnitInfo struct {
	ID    int64
	Level string // city, district, street, community, grid
	Name  string
}

// UnitDescriber is implemented by the org module (through OrgIndex's owner).
type UnitDescriber interface {
	DescribeUnits(ctx context.Context, ids []int64) ([]UnitInfo, error)
}

// validateAccount checks roles, lines and scope together; the rules of 三员分立
// live here.
func (s *Service) validateAccount(ctx context.Context, roles []Role, lines []string, scope []int64, personID int64) *i18n.Errors {
	errs := &i18n.Errors{}
	if len(roles) == 0 {
		errs.Add("roles", "err.required", "field", i18n.T("auth.roles"))
		return errs
	}
	seen := map[Role]bool{}
	for _, r := range roles {
		if !r.Valid() {
			errs.Add("roles", "err.choice", "field", i18n.T("auth.roles"))
			return errs
		}
		if seen[r] {
			errs.Add("roles", "auth.role_twice")
			return errs
		}
		seen[r] = true
	}
	for _, r := range roles {
		if (r.IsAdmin() || r == RoleResident) && len(roles) > 1 {
			errs.Add("roles", "auth.role_alone", "role", i18n.T(r.LabelKey()))
			return errs
		}
	}
	for _, l := range lines {
		if !ValidLine(l) {
			errs.Add("lines", "err.choice", "field", i18n.T("auth.lines"))
		}
	}
	if personID != 0 && !seen[RoleResident] {
		errs.Add("person_id", "auth.person_residents_only")
	}
	if len(lines) > 0 && !seen[RoleSocialWorker] && !seen[RoleCommunityAdmin] && !seen[RoleStreetAdmin] && !seen[RoleGridWorker] {
		errs.Add("lines", "auth.lines_staff_only")
	}
	role := roles[0]
	switch {
	case role.IsAdmin():
		if len(scope) > 0 {
			errs.Add("scope", "auth.admin_no_scope")
		}
	case role == RoleResident:
		// The registry person is linked when known; an unlinked resident account
		// sees only its own account until a worker links it.
		if len(scope) > 0 {
			errs.Add("scope", "auth.resident_no_scope")
		}
	default:
		if len(scope) == 0 {
			errs.Add("scope", "err.required", "field", i18n.T("auth.scope"))
			return errs
		}
		d, ok := s.Orgs.(UnitDescriber)
		if !ok {
			return errs
		}
		units, err := d.DescribeUnits(ctx, scope)
		if err != nil || len(units) != len(sortedUnique(scope)) {
			errs.Add("scope", "auth.scope_unknown")
			return errs
		}
		for _, u := range units {
			if !scopeLevelFits(roles, u.Level) {
				errs.Add("scope", "auth.scope_level", "unit", u.Name, "level", i18n.T("org.level."+u.Level))
			}
		}
	}
	return errs
}

// scopeLevelFits: a 网格员's reach is grids; community staff's is communities;
// street staff's is a street or above.
func scopeLevelFits(roles []Role, level string) bool {
	allowed := map[string]bool{}
	for _, r := range roles {
		switch r {
		case RoleStreetAdmin:
			allowed["street"], allowed["district"], allowed["city"] = true, true, true
		case RoleCommunityAdmin, RoleSocialWorker:
			allowed["community"] = true
		case RoleGridWorker:
			allowed["grid"] = true
		case RoleVolunteer:
			allowed["community"], allowed["grid"] = true, true
		}
	}
	return allowed[level]
}

// CreateUser adds an account.
func (s *Service) CreateUser(ctx context.Context, actor *Principal, nu NewUser) (int64, error) {
	if err := actor.Require(PermUserAdmin); err != nil {
		return 0, err
	}
	nu.Username = strings.TrimSpace(nu.Username)
	nu.DisplayName = strings.TrimSpace(nu.DisplayName)
	errs := &i18n.Errors{}
	if errs.Required("username", i18n.T("auth.username"), nu.Username) && !usernameRe.MatchString(nu.Username) {
		errs.Add("username", "auth.username_format")
	}
	errs.Required("display_name", i18n.T("auth.display_name"), nu.DisplayName)
	errs.MaxLen("display_name", i18n.T("auth.display_name"), nu.DisplayName, 50)
	if nu.Phone != "" && !validPhone(nu.Phone) {
		errs.Add("phone", "err.invalid", "field", i18n.T("auth.phone"))
	}
	if pe := PasswordRules(nu.Username, nu.Password); pe.Any() {
		errs.Fields = append(errs.Fields, pe.Fields...)
	}
	if ae := s.validateAccount(ctx, nu.Roles, nu.Lines, nu.Scope, nu.PersonID); ae.Any() {
		errs.Fields = append(errs.Fields, ae.Fields...)
	}
	if errs.Any() {
		return 0, errs
	}
	var id int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		now := db.Now()
		var person any
		if nu.PersonID != 0 {
			person = nu.PersonID
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO auth_user (username, display_name, phone, password_hash, password_changed_at, must_change_password, lines, mfa_exempt, person_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			nu.Username, nu.DisplayName, nu.Phone, HashPassword(nu.Password), now, nu.MustChange, strings.Join(nu.Lines, ","), nu.MFAExempt, person, now, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			e := &i18n.Errors{}
			e.Add("username", "err.conflict", "field", i18n.T("auth.username"), "value", nu.Username)
			return e
		}
		if err != nil {
			return err
		}
		if err := writeRolesScope(ctx, tx, id, nu.Roles, nu.Scope); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(actor, "user.create", "user", id, 0, audit.Success).
			WithDetail(map[string]any{"username": nu.Username, "roles": nu.Roles, "lines": nu.Lines, "scope": nu.Scope}))
	})
	return id, err
}

func writeRolesScope(ctx context.Context, tx *db.Tx, id int64, roles []Role, scope []int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM auth_user_role WHERE user_id = ?`, id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM auth_user_scope WHERE user_id = ?`, id); err != nil {
		return err
	}
	for _, r := range roles {
		if _, err := tx.ExecContext(ctx, `INSERT INTO auth_user_role (user_id, role) VALUES (?, ?)`, id, string(r)); err != nil {
			return err
		}
	}
	for _, o := range sortedUnique(scope) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO auth_user_scope (user_id, org_unit_id) VALUES (?, ?)`, id, o); err != nil {
			return err
		}
	}
	return nil
}

// UserUpdate is what editing an account changes.
type UserUpdate struct {
	DisplayName string
	Phone       string
	Roles       []Role
	Lines       []string
	Scope       []int64
	PersonID    int64
}

// UpdateUser changes an account's name, roles, lines and scope. The account's
// sessions end, so that a narrower scope takes effect at once.
func (s *Service) UpdateUser(ctx context.Context, actor *Principal, id int64, up UserUpdate) error {
	if err := actor.Require(PermUserAdmin); err != nil {
		return err
	}
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return err
	}
	up.DisplayName = strings.TrimSpace(up.DisplayName)
	errs := &i18n.Errors{}
	errs.Required("display_name", i18n.T("auth.display_name"), up.DisplayName)
	errs.MaxLen("display_name", i18n.T("auth.display_name"), up.DisplayName, 50)
	if up.Phone != "" && !validPhone(up.Phone) {
		errs.Add("phone", "err.invalid", "field", i18n.T("auth.phone"))
	}
	if ae := s.validateAccount(ctx, up.Roles, up.Lines, up.Scope, up.PersonID); ae.Any() {
		errs.Fields = append(errs.Fields, ae.Fields...)
	}
	if actor.UserID == id && !sameRoles(u.Roles, up.Roles) {
		errs.Add("roles", "auth.no_own_roles")
	}
	if errs.Any() {
		return errs
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		var person any
		if up.PersonID != 0 {
			person = up.PersonID
		}
		if _, err := tx.ExecContext(ctx, `UPDATE auth_user SET display_name = ?, phone = ?, lines = ?, person_id = ?, updated_at = ? WHERE id = ?`,
			up.DisplayName, up.Phone, strings.Join(up.Lines, ","), person, db.Now(), id); err != nil {
			return err
		}
		if err := writeRolesScope(ctx, tx, id, up.Roles, up.Scope); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM auth_session WHERE user_id = ?`, id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(actor, "user.update", "user", id, 0, audit.Success).
			WithDetail(map[string]any{"username": u.Username, "roles": up.Roles, "lines": up.Lines, "scope": up.Scope}))
	})
}

func sameRoles(a, b []Role) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[Role]bool{}
	for _, r := range a {
		m[r] = true
	}
	for _, r := range b {
		if !m[r] {
			return false
		}
	}
	return true
}

var phoneRe = regexp.MustCompile(`^(\+86)?1[3-9]\d{9}$`)

func validPhone(s string) bool { return phoneRe.MatchString(strings.ReplaceAll(s, " ", "")) }

// SetPassword sets a user's password (administrator reset, or the command line).
// mustChange makes the user choose a new one at the next login.
func (s *Service) SetPassword(ctx context.Context, actor *Principal, id int64, pw string, mustChange bool) error {
	if actor.UserID != id {
		if err := actor.Require(PermUserAdmin); err != nil {
			return err
		}
	}
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return err
	}
	if errs := PasswordRules(u.Username, pw); errs.Any() {
		return errs
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE auth_user SET password_hash = ?, password_changed_at = ?, must_change_password = ?, failed_logins = 0, updated_at = ? WHERE id = ?`,
			HashPassword(pw), db.Now(), mustChange, db.Now(), id); err != nil {
			return err
		}
		// Every other session of the account ends; the caller's own survives a
		// self-change (an administrator's session is not the account's).
		if _, err := tx.ExecContext(ctx, `DELETE FROM auth_session WHERE user_id = ? AND token_hash <> ?`, id, actor.session); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(actor, "user.password", "user", id, 0, audit.Success).WithDetail(map[string]any{"username": u.Username}))
	})
}

// ChangeOwnPassword checks the old password before setting a new one.
func (s *Service) ChangeOwnPassword(ctx context.Context, p *Principal, oldPW, newPW string) error {
	var hash string
	if err := s.DB.QueryRowContext(ctx, `SELECT password_hash FROM auth_user WHERE id = ?`, p.UserID).Scan(&hash); err != nil {
		return err
	}
	if !CheckPassword(hash, oldPW) {
		errs := &i18n.Errors{}
		errs.Add("old_password", "auth.old_password_wrong")
		return errs
	}
	if oldPW == newPW {
		errs := &i18n.Errors{}
		errs.Add("password", "auth.pw_same")
		return errs
	}
	return s.SetPassword(ctx, p, p.UserID, newPW, false)
}

// SetLocked locks (for lockFor, or indefinitely when lockFor is 0) or unlocks an
// account. Locking ends its sessions.
func (s *Service) SetLocked(ctx context.Context, actor *Principal, id int64, locked bool, lockFor time.Duration) error {
	if err := actor.Require(PermUserLock); err != nil {
		return err
	}
	if locked && actor.UserID == id {
		return i18n.NewError("validation", "auth.no_self_lock")
	}
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return err
	}
	until := int64(0)
	action := "user.unlock"
	if locked {
		action = "user.lock"
		until = int64(1) << 62 // until unlocked
		if lockFor > 0 {
			until = db.Now() + lockFor.Milliseconds()
		}
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE auth_user SET locked_until = ?, failed_logins = 0, updated_at = ? WHERE id = ?`, until, db.Now(), id); err != nil {
			return err
		}
		if locked {
			if _, err := tx.ExecContext(ctx, `DELETE FROM auth_session WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(actor, action, "user", id, 0, audit.Success).WithDetail(map[string]any{"username": u.Username}))
	})
}

// SetDisabled disables or re-enables an account (accounts are never deleted, so
// that the audit log keeps meaning).
func (s *Service) SetDisabled(ctx context.Context, actor *Principal, id int64, disabled bool) error {
	if err := actor.Require(PermUserAdmin); err != nil {
		return err
	}
	if actor.UserID == id {
		return i18n.NewError("validation", "auth.no_self_lock")
	}
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return err
	}
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE auth_user SET disabled = ?, updated_at = ? WHERE id = ?`, disabled, db.Now(), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM auth_session WHERE user_id = ?`, id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(actor, action, "user", id, 0, audit.Success).WithDetail(map[string]any{"username": u.Username}))
	})
}

// ResetMFA removes a user's second factor so they enrol again at next login.
func (s *Service) ResetMFA(ctx context.Context, actor *Principal, id int64) error {
	if err := actor.Require(PermUserLock); err != nil {
		return err
	}
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE auth_user SET totp_secret = NULL, totp_enabled = FALSE, totp_last_step = 0, updated_at = ? WHERE id = ?`, db.Now(), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM auth_session WHERE user_id = ?`, id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(actor, "user.mfa_reset", "user", id, 0, audit.Success).WithDetail(map[string]any{"username": u.Username}))
	})
}

// userCols are read from auth_user aliased u, with the account's roles and
// scope roots as lists: authentication reads an account on every request, and
// one round trip to the database costs more than the two small lookups.
const userCols = `u.id, u.username, u.display_name, u.phone, u.lines, u.disabled, u.locked_until, u.totp_enabled, u.mfa_exempt, COALESCE(u.person_id, 0), u.must_change_password, u.last_login_at, u.created_at,
	COALESCE((SELECT string_agg(r.role, ',') FROM auth_user_role r WHERE r.user_id = u.id), ''),
	COALESCE((SELECT string_agg(CAST(sc.org_unit_id AS TEXT), ',') FROM auth_user_scope sc WHERE sc.user_id = u.id), '')`

func scanUser(sc interface{ Scan(...any) error }) (*User, error) {
	u := &User{}
	var lines, roles, roots string
	if err := sc.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Phone, &lines, &u.Disabled, &u.LockedUntil, &u.TOTPEnabled, &u.MFAExempt, &u.PersonID, &u.MustChange, &u.LastLoginAt, &u.CreatedAt,
		&roles, &roots); err != nil {
		return nil, err
	}
	if lines != "" {
		u.Lines = strings.Split(lines, ",")
	}
	if roles != "" {
		for r := range strings.SplitSeq(roles, ",") {
			u.Roles = append(u.Roles, Role(r))
		}
		slices.Sort(u.Roles)
	}
	if roots != "" {
		for r := range strings.SplitSeq(roots, ",") {
			id, err := strconv.ParseInt(r, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("scope root %q: %w", r, err)
			}
			u.ScopeRoots = append(u.ScopeRoots, id)
		}
		slices.Sort(u.ScopeRoots)
	}
	return u, nil
}

// GetUser loads an account with its roles and scope roots.
func (s *Service) GetUser(ctx context.Context, id int64) (*User, error) {
	u, err := scanUser(s.DB.QueryRowContext(ctx, `SELECT `+userCols+` FROM auth_user u WHERE u.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

// GetUserByName loads an account by user name.
func (s *Service) GetUserByName(ctx context.Context, username string) (*User, error) {
	var id int64
	err := s.DB.QueryRowContext(ctx, `SELECT id FROM auth_user WHERE username = ?`, username).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.GetUser(ctx, id)
}

// UserFilter selects accounts for the administrator's list.
type UserFilter struct {
	Q      string // user name or display name substring
	Role   Role
	Limit  int
	Offset int
}

// ListUsers lists accounts (system and security administrators).
func (s *Service) ListUsers(ctx context.Context, actor *Principal, f UserFilter) ([]*User, int, error) {
	if !actor.Can(PermUserAdmin) && !actor.Can(PermUserLock) {
		return nil, 0, ErrForbidden
	}
	where := []string{"1=1"}
	var args []any
	if f.Q != "" {
		where = append(where, `(username LIKE ? ESCAPE '\' OR display_name LIKE ? ESCAPE '\')`)
		args = append(args, db.Contains(f.Q), db.Contains(f.Q))
	}
	if f.Role != "" {
		where = append(where, `id IN (SELECT user_id FROM auth_user_role WHERE role = ?)`)
		args = append(args, string(f.Role))
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM auth_user WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+userCols+` FROM auth_user u WHERE `+cond+` ORDER BY username LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, u)
	}
	return out, total, rows.Err()
}

// ---- Login and sessions ----

// Login errors carry a stable code for the API.
var (
	ErrBadCredentials = i18n.NewError("bad_credentials", "auth.bad_credentials")
	ErrDisabled       = i18n.NewError("disabled", "auth.disabled")
	ErrSessionExpired = i18n.NewError("session_expired", "auth.session_expired")
	ErrMFARequired    = i18n.NewError("mfa_required", "auth.mfa_required")
	ErrMFAEnrol       = i18n.NewError("mfa_enrollment_required", "auth.mfa_enrol_first")
	ErrMFAWrong       = i18n.NewError("mfa_wrong", "auth.mfa_wrong")
	// ErrPasswordChange: the account must change its initial or reset password
	// before it may do anything else.
	ErrPasswordChange = i18n.NewError("password_change_required", "auth.password_change_required")
)

// LockedError says the account is locked and until when. Only a caller who
// has shown the password is told (wrong second-factor codes locked it): a
// login by password alone answers ErrBadCredentials, locked or not.
type LockedError struct{ Until int64 }

func (e *LockedError) Error() string { return e.Msg().String() }

// Msg renders the lock message with the minutes left.
func (e *LockedError) Msg() i18n.Msg {
	mins := (e.Until - db.Now() + 59999) / 60000
	if mins < 1 {
		mins = 1
	}
	if e.Until > db.Now()+24*3600*1000*365 {
		return i18n.M("auth.locked_admin")
	}
	return i18n.M("auth.mfa_locked", "minutes", mins)
}

// Session kinds.
const (
	KindWeb = "web"
	KindAPI = "api"
)

// LoginResult is a successful password check.
type LoginResult struct {
	Token     string
	Principal *Principal
	// NeedMFA: the session exists but owes a TOTP code; NeedEnrol: the user must
	// set up an authenticator first (web only).
	NeedMFA   bool
	NeedEnrol bool
}

// Login checks a user name and password. Five failures in a row (wrong
// passwords and wrong second-factor codes alike) lock the account for fifteen
// minutes (the policy may change both); every attempt is audited. A locked
// account, a made-up name and a wrong password get the same answer,
// ErrBadCredentials, so that the answer tells nobody which names are accounts
// (nor, during a lock, whether a guess was right).
func (s *Service) Login(ctx context.Context, username, password, ip, userAgent, kind string) (*LoginResult, error) {
	username = strings.TrimSpace(username)
	pol := s.Policy(ctx)
	var id int64
	var hash string
	var disabled bool
	var lockedUntil int64
	var failed int
	err := s.DB.QueryRowContext(ctx, `SELECT id, password_hash, disabled, locked_until, failed_logins FROM auth_user WHERE username = ?`, username).
		Scan(&id, &hash, &disabled, &lockedUntil, &failed)
	if errors.Is(err, sql.ErrNoRows) {
		CheckPassword(dummyHash, password)
		_ = s.Audit.RecordAlone(ctx, s.DB, audit.Entry{ActorName: username, Action: "login_failed", IP: ip, Outcome: audit.Failure, Detail: "unknown user"})
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, err
	}
	now := db.Now()
	fail := func(reason string, e error) (*LoginResult, error) {
		_ = s.Audit.RecordAlone(ctx, s.DB, audit.Entry{ActorID: id, ActorName: username, Action: "login_failed", ObjectType: "user", ObjectID: fmt.Sprint(id), IP: ip, Outcome: audit.Failure, Detail: reason})
		return nil, e
	}
	if lockedUntil > now {
		CheckPassword(dummyHash, password)
		return fail("locked", ErrBadCredentials)
	}
	if disabled {
		// Only someone who knows the password learns that the account is
		// disabled; anyone else is told what a made-up name is told.
		if !CheckPassword(hash, password) {
			return fail("disabled; wrong password", ErrBadCredentials)
		}
		return fail("disabled", ErrDisabled)
	}
	if !CheckPassword(hash, password) {
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `UPDATE auth_user SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins`, id).Scan(&n); err != nil {
				return err
			}
			e := audit.Entry{ActorID: id, ActorName: username, Action: "login_failed", ObjectType: "user", ObjectID: fmt.Sprint(id), IP: ip, Outcome: audit.Failure, Detail: "wrong password"}
			if n >= pol.MaxFailures {
				if err := s.lockAfterFailures(ctx, tx, id, pol); err != nil {
					return err
				}
				e.Detail = fmt.Sprintf("wrong password; account locked after %d failures", n)
			}
			return s.Audit.Record(ctx, tx, e)
		})
		if err != nil {
			return nil, err
		}
		return nil, ErrBadCredentials
	}
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	res := &LoginResult{}
	needMFA := u.NeedsMFA()
	if needMFA {
		if u.TOTPEnabled {
			res.NeedMFA = true
		} else {
			res.NeedEnrol = true
		}
	}
	token, csrf := newToken(), newToken()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		// With a second factor owed the count of failures goes on: it is reset
		// when the login completes, so that guessing codes locks the account
		// however many times the password is entered again.
		reset := "failed_logins = 0, "
		if needMFA {
			reset = ""
		}
		if _, err := tx.ExecContext(ctx, `UPDATE auth_user SET `+reset+`last_login_at = ? WHERE id = ?`, now, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO auth_session (token_hash, user_id, kind, csrf, mfa_done, ip, user_agent, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			hashToken(token), id, kind, csrf, !needMFA, ip, truncate(userAgent, 200), now, now); err != nil {
			return err
		}
		// Sessions idle for longer than the policy are swept here rather than by a timer.
		if _, err := tx.ExecContext(ctx, `DELETE FROM auth_session WHERE last_seen_at < ?`, now-pol.Idle.Milliseconds()); err != nil {
			return err
		}
		action, detail := "login", kind
		if needMFA {
			action, detail = "login_password", kind+"; second factor pending"
		}
		return s.Audit.Record(ctx, tx, audit.Entry{ActorID: id, ActorName: username, Role: rolesString(u.Roles), Action: action, ObjectType: "user", ObjectID: fmt.Sprint(id), IP: ip, Outcome: audit.Success, Detail: detail})
	})
	if err != nil {
		return nil, err
	}
	res.Token = token
	p, err := s.principal(ctx, u, sessionRow{hash: hashToken(token), kind: kind, csrf: csrf, mfaDone: !needMFA}, ip)
	if err != nil {
		return nil, err
	}
	res.Principal = p
	return res, nil
}

// lockAfterFailures locks account id for the policy's time and ends its
// sessions (a login waiting for its second factor among them).
func (s *Service) lockAfterFailures(ctx context.Context, tx *db.Tx, id int64, pol Policy) error {
	if _, err := tx.ExecContext(ctx, `UPDATE auth_user SET failed_logins = 0, locked_until = ? WHERE id = ?`, db.Now()+pol.LockFor.Milliseconds(), id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM auth_session WHERE user_id = ?`, id)
	return err
}

// VerifyMFA completes a login with a TOTP code. Wrong codes count as wrong
// passwords do: the policy's number of failures in a row locks the account
// and ends the waiting login; every one is audited.
func (s *Service) VerifyMFA(ctx context.Context, token, code, ip string) error {
	th := hashToken(token)
	var uid int64
	var username string
	var sealed []byte
	var enabled, disabled bool
	var last, lockedUntil int64
	err := s.DB.QueryRowContext(ctx, `SELECT u.id, u.username, u.totp_secret, u.totp_enabled, u.totp_last_step, u.locked_until, u.disabled FROM auth_session s JOIN auth_user u ON u.id = s.user_id WHERE s.token_hash = ?`, th).
		Scan(&uid, &username, &sealed, &enabled, &last, &lockedUntil, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrSessionExpired
	}
	if err != nil {
		return err
	}
	if lockedUntil > db.Now() || disabled {
		// Locked meanwhile (by another request's wrong codes, or by hand): the
		// waiting login is over.
		_, _ = s.DB.ExecContext(ctx, `DELETE FROM auth_session WHERE token_hash = ?`, th)
		return ErrSessionExpired
	}
	if !enabled {
		return ErrMFAEnrol
	}
	secret, err := s.Keys.Open(sealed, "auth_user.totp_secret")
	if err != nil {
		return err
	}
	step, ok := VerifyTOTP(secret, code, time.Now(), last)
	if !ok {
		pol := s.Policy(ctx)
		var lockedNow bool
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `UPDATE auth_user SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins`, uid).Scan(&n); err != nil {
				return err
			}
			e := audit.Entry{ActorID: uid, ActorName: username, Action: "login_failed", ObjectType: "user", ObjectID: fmt.Sprint(uid), IP: ip, Outcome: audit.Failure, Detail: "wrong second factor"}
			if n >= pol.MaxFailures {
				if err := s.lockAfterFailures(ctx, tx, uid, pol); err != nil {
					return err
				}
				lockedNow = true
				e.Detail = fmt.Sprintf("wrong second factor; account locked after %d failures", n)
			}
			return s.Audit.Record(ctx, tx, e)
		})
		if err != nil {
			return err
		}
		if lockedNow {
			// The password was right: telling this caller of the lock gives
			// nothing away.
			return &LockedError{Until: db.Now() + pol.LockFor.Milliseconds()}
		}
		return ErrMFAWrong
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		// The code counts only if no lock came in between.
		res, err := tx.ExecContext(ctx, `UPDATE auth_user SET totp_last_step = ?, failed_logins = 0 WHERE id = ? AND locked_until <= ?`, step, uid, db.Now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrSessionExpired
		}
		if _, err := tx.ExecContext(ctx, `UPDATE auth_session SET mfa_done = TRUE, last_seen_at = ? WHERE token_hash = ?`, db.Now(), th); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Entry{ActorID: uid, ActorName: username, Action: "login", ObjectType: "user", ObjectID: fmt.Sprint(uid), IP: ip, Outcome: audit.Success, Detail: "second factor passed"})
	})
}

// BeginEnrol creates (or returns the pending) TOTP secret of the session's user.
func (s *Service) BeginEnrol(ctx context.Context, p *Principal) (secret, uri string, err error) {
	var sealed []byte
	var enabled bool
	if err := s.DB.QueryRowContext(ctx, `SELECT totp_secret, totp_enabled FROM auth_user WHERE id = ?`, p.UserID).Scan(&sealed, &enabled); err != nil {
		return "", "", err
	}
	if enabled {
		return "", "", i18n.NewError("conflict", "auth.mfa_already")
	}
	if len(sealed) > 0 {
		secret, err = s.Keys.Open(sealed, "auth_user.totp_secret")
		if err != nil {
			return "", "", err
		}
	} else {
		secret = NewTOTPSecret()
		if _, err := s.DB.ExecContext(ctx, `UPDATE auth_user SET totp_secret = ? WHERE id = ?`, s.Keys.Seal(secret, "auth_user.totp_secret"), p.UserID); err != nil {
			return "", "", err
		}
	}
	return secret, TOTPURI(i18n.T("app.name")+" Linli", p.Username, secret), nil
}

// ConfirmEnrol turns the pending secret on after the user proves the app works,
// and completes the session's login.
func (s *Service) ConfirmEnrol(ctx context.Context, token string, p *Principal, code string) error {
	var sealed []byte
	var enabled bool
	if err := s.DB.QueryRowContext(ctx, `SELECT totp_secret, totp_enabled FROM auth_user WHERE id = ?`, p.UserID).Scan(&sealed, &enabled); err != nil {
		return err
	}
	if enabled || len(sealed) == 0 {
		return i18n.NewError("conflict", "auth.mfa_already")
	}
	secret, err := s.Keys.Open(sealed, "auth_user.totp_secret")
	if err != nil {
		return err
	}
	step, ok := VerifyTOTP(secret, code, time.Now(), 0)
	if !ok {
		return ErrMFAWrong
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE auth_user SET totp_enabled = TRUE, totp_last_step = ?, failed_logins = 0 WHERE id = ?`, step, p.UserID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE auth_session SET mfa_done = TRUE WHERE token_hash = ?`, hashToken(token)); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "user.mfa_enrol", "user", p.UserID, 0, audit.Success))
	})
}

// scanAfter scans the columns before those its caller asks for into first.
type scanAfter struct {
	sc    interface{ Scan(...any) error }
	first []any
}

func (a scanAfter) Scan(dest ...any) error { return a.sc.Scan(append(a.first, dest...)...) }

type sessionRow struct {
	hash     string // the token's hash ("" for API tokens)
	kind     string
	csrf     string
	mfaDone  bool
	lastSeen int64
	created  int64
}

// Authenticate turns a session token into its principal, ending sessions that
// were idle too long or lived too long.
func (s *Service) Authenticate(ctx context.Context, token, ip string) (*Principal, error) {
	if token == "" {
		return nil, ErrSessionExpired
	}
	if strings.HasPrefix(token, APITokenPrefix) {
		return s.authenticateAPIToken(ctx, token, ip)
	}
	th := hashToken(token)
	// The session and its account in one query: this runs on every request.
	var sr sessionRow
	u, err := scanUser(scanAfter{s.DB.QueryRowContext(ctx, `SELECT s.kind, s.csrf, s.mfa_done, s.last_seen_at, s.created_at, `+userCols+`
		FROM auth_session s JOIN auth_user u ON u.id = s.user_id WHERE s.token_hash = ?`, th), []any{&sr.kind, &sr.csrf, &sr.mfaDone, &sr.lastSeen, &sr.created}})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrSessionExpired
	}
	if err != nil {
		return nil, err
	}
	now := db.Now()
	pol := s.Policy(ctx)
	// Ending a session and noting "last seen" are bookkeeping written in the
	// background (touch.go): a request never waits for the writer for them.
	sr.lastSeen = s.books.lastSeen(th, sr.lastSeen)
	if now-sr.lastSeen > pol.Idle.Milliseconds() || now-sr.created > pol.MaxSession.Milliseconds() || s.books.sessionEnded(th, u.ID) {
		s.books.endSession(th)
		s.flushSoon()
		return nil, ErrSessionExpired
	}
	if u.Disabled || u.Locked(now) {
		s.books.endSessionsOf(u.ID)
		s.flushSoon()
		return nil, ErrSessionExpired
	}
	// Note at most once a minute: the idle clock needs no finer grain.
	if now-sr.lastSeen > 60_000 {
		s.books.noteSeen(th, now)
		s.flushSoon()
	}
	sr.hash = th
	return s.principal(ctx, u, sr, ip)
}

func (s *Service) principal(ctx context.Context, u *User, sr sessionRow, ip string) (*Principal, error) {
	p := &Principal{
		UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Roles: u.Roles, Lines: u.Lines,
		PersonID: u.PersonID, IP: ip, SessionKind: sr.kind, CSRF: sr.csrf, MFAPending: !sr.mfaDone, MustChange: u.MustChange, session: sr.hash,
	}
	switch {
	case p.Has(RoleSysAdmin):
		p.Scope = NewScope(true, nil, nil, nil)
	case len(u.ScopeRoots) > 0 && s.Orgs != nil:
		sc, err := s.Orgs.ResolveScope(ctx, u.ScopeRoots)
		if err != nil {
			return nil, err
		}
		p.Scope = sc
	default:
		p.Scope = NewScope(false, nil, nil, nil)
	}
	return p, nil
}

// Logout ends the session.
func (s *Service) Logout(ctx context.Context, token string, p *Principal) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM auth_session WHERE token_hash = ?`, hashToken(token)); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "logout", "user", p.UserID, 0, audit.Success))
	})
}

func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewToken returns a random URL-safe token (also used for the pre-login CSRF cookie).
func NewToken() string { return newToken() }

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

func rolesString(rs []Role) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = string(r)
	}
	return strings.Join(parts, ",")
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
