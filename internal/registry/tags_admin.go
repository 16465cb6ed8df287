package registry

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"sort"
	"strings"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
)

// The system administrator defines the groups a deployment keeps and who may see
// that anyone belongs to a sensitive one. Defining a group is configuration, not
// resident data: the administrator sees every definition but no person in any group.

// TagRoles are the roles a sensitive group may be opened to: those who read the registry.
var TagRoles = []auth.Role{auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleGridWorker}

// Sensitivities are the levels of a group: 0 ordinary (every registry reader sees
// it), 1 sensitive, 2 highly sensitive (both seen only by the roles and lines named).
var Sensitivities = []int{0, 1, 2}

var _ = i18n.Family("registry.sensitivity.", Sensitivities...)

// TagInput is what defining or changing a group takes. The code is fixed once
// the group exists: ledgers, filters and links name groups by it.
type TagInput struct {
	Code        string
	Name        string
	Sensitivity int
	Roles       []string
	Lines       []string
	Sort        int
	Active      bool
}

var tagCodeRe = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)

func validTagRole(r string) bool {
	for _, x := range TagRoles {
		if string(x) == r {
			return true
		}
	}
	return false
}

// check validates in (the code only when creating) and puts roles and lines in a
// stable order.
func (in *TagInput) check(creating bool) *i18n.Errors {
	errs := &i18n.Errors{}
	in.Code, in.Name = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name)
	if creating && errs.Required("code", i18n.T("registry.tag_code"), in.Code) && !tagCodeRe.MatchString(in.Code) {
		errs.Add("code", "registry.tag_code_format")
	}
	if errs.Required("name", i18n.T("registry.tag_name"), in.Name) {
		errs.MaxLen("name", i18n.T("registry.tag_name"), in.Name, 20)
	}
	if in.Sensitivity < 0 || in.Sensitivity > 2 {
		errs.Add("sensitivity", "err.choice", "field", i18n.T("registry.tag_sensitivity"))
	}
	in.Roles, in.Lines = uniqueSorted(in.Roles), uniqueSorted(in.Lines)
	for _, r := range in.Roles {
		if !validTagRole(r) {
			errs.Add("roles", "err.choice", "field", i18n.T("registry.tag_roles"))
			break
		}
	}
	for _, l := range in.Lines {
		if !auth.ValidLine(l) {
			errs.Add("lines", "err.choice", "field", i18n.T("registry.tag_lines"))
			break
		}
	}
	if in.Sensitivity > 0 && len(in.Roles) == 0 && len(in.Lines) == 0 {
		// A sensitive group nobody may see would silently vanish from every list.
		errs.Add("roles", "registry.tag_nobody")
	}
	if in.Sort < 0 || in.Sort > 100000 {
		errs.Add("sort", "err.range", "field", i18n.T("registry.tag_sort"), "min", 0, "max", 100000)
	}
	return errs
}

func uniqueSorted(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range list {
		if x = strings.TrimSpace(x); x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

// AllTags returns every group definition, active or not, for the administrator.
func (s *Service) AllTags(ctx context.Context, pr *auth.Principal) ([]*Tag, error) {
	if err := pr.Require(PermTagAdmin); err != nil {
		return nil, err
	}
	s.dropTagCache()
	return s.allTags(ctx)
}

// GetTag returns one group definition for the administrator.
func (s *Service) GetTag(ctx context.Context, pr *auth.Principal, id int64) (*Tag, error) {
	all, err := s.AllTags(ctx, pr)
	if err != nil {
		return nil, err
	}
	for _, t := range all {
		if t.ID == id {
			return t, nil
		}
	}
	return nil, auth.ErrNotFound
}

// tagClash reports which of code and name another group (not id) already uses.
func tagClash(ctx context.Context, tx *db.Tx, id int64, code, name string) (*i18n.Errors, error) {
	errs := &i18n.Errors{}
	var other int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM reg_tag WHERE code = ? AND id <> ?`, code, id).Scan(&other)
	if err == nil {
		errs.Add("code", "err.conflict", "field", i18n.T("registry.tag_code"), "value", code)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	err = tx.QueryRowContext(ctx, `SELECT id FROM reg_tag WHERE name = ? AND id <> ?`, name, id).Scan(&other)
	if err == nil {
		errs.Add("name", "err.conflict", "field", i18n.T("registry.tag_name"), "value", name)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	return errs, nil
}

func tagDetail(in TagInput) map[string]any {
	return map[string]any{"code": in.Code, "name": in.Name, "sensitivity": in.Sensitivity, "roles": in.Roles, "lines": in.Lines, "active": in.Active, "sort": in.Sort}
}

// CreateTag defines a new group.
func (s *Service) CreateTag(ctx context.Context, pr *auth.Principal, in TagInput) (int64, error) {
	if err := pr.Require(PermTagAdmin); err != nil {
		return 0, err
	}
	if errs := in.check(true); errs.Any() {
		return 0, errs
	}
	var id int64
	err := s.inTx(ctx, func(tx *db.Tx) error {
		clash, err := tagClash(ctx, tx, 0, in.Code, in.Name)
		if err != nil {
			return err
		}
		if clash.Any() {
			return clash
		}
		now := db.Now()
		err = tx.QueryRowContext(ctx, `INSERT INTO reg_tag (code, name, sensitivity, roles, lines, sort, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Code, in.Name, in.Sensitivity, strings.Join(in.Roles, ","), strings.Join(in.Lines, ","), in.Sort, in.Active, now, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			e := &i18n.Errors{}
			e.Add("code", "err.conflict", "field", i18n.T("registry.tag_code"), "value", in.Code)
			return e
		}
		if err != nil {
			return err
		}
		tx.AfterCommit(s.dropTagCache)
		return s.Audit.Record(ctx, tx, audit.Event(pr, "tag.create", "reg_tag", id, 0, audit.Success).WithDetail(tagDetail(in)))
	})
	return id, err
}

// UpdateTag changes a group's name, sensitivity, audience, order or whether it is
// in use. Who already belongs to it is kept.
func (s *Service) UpdateTag(ctx context.Context, pr *auth.Principal, id int64, in TagInput) error {
	cur, err := s.GetTag(ctx, pr, id)
	if err != nil {
		return err
	}
	in.Code = cur.Code
	if errs := in.check(false); errs.Any() {
		return errs
	}
	return s.inTx(ctx, func(tx *db.Tx) error {
		clash, err := tagClash(ctx, tx, id, in.Code, in.Name)
		if err != nil {
			return err
		}
		if clash.Any() {
			return clash
		}
		_, err = tx.ExecContext(ctx, `UPDATE reg_tag SET name = ?, sensitivity = ?, roles = ?, lines = ?, sort = ?, active = ?, updated_at = ? WHERE id = ?`,
			in.Name, in.Sensitivity, strings.Join(in.Roles, ","), strings.Join(in.Lines, ","), in.Sort, in.Active, db.Now(), id)
		if db.IsUniqueViolation(err) {
			e := &i18n.Errors{}
			e.Add("name", "err.conflict", "field", i18n.T("registry.tag_name"), "value", in.Name)
			return e
		}
		if err != nil {
			return err
		}
		tx.AfterCommit(s.dropTagCache)
		d := tagDetail(in)
		d["before"] = tagDetail(TagInput{Code: cur.Code, Name: cur.Name, Sensitivity: cur.Sensitivity, Roles: cur.Roles, Lines: cur.Lines, Sort: cur.Sort, Active: cur.Active})
		return s.Audit.Record(ctx, tx, audit.Event(pr, "tag.update", "reg_tag", id, 0, audit.Success).WithDetail(d))
	})
}
