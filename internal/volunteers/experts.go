package volunteers

import (
	"context"
	"slices"
	"strings"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
)

// ---- the expert and talent pool (人才资源库) ----

// CreateExpert adds a registry person or an outsider to the pool.
func (s *Service) CreateExpert(ctx context.Context, p *auth.Principal, in ExpertInput) (int64, error) {
	if err := p.Require(PermWrite); err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	vin := VolunteerInput{CommunityID: in.CommunityID, PersonID: in.PersonID, Name: in.Name, Phone: in.Phone}
	s.checkVolunteer(ctx, p, &vin, errs)
	in.CommunityID, in.Name, in.Phone = vin.CommunityID, vin.Name, vin.Phone
	in.Organisation, in.Topics, in.Note = strings.TrimSpace(in.Organisation), strings.TrimSpace(in.Topics), strings.TrimSpace(in.Note)
	if !slices.Contains(Fields, in.Field) {
		errs.Add("field", "err.choice", "field", i18n.T("volunteers.field"))
	}
	errs.MaxLen("organisation", i18n.T("volunteers.organisation"), in.Organisation, maxText)
	if errs.Required("topics", i18n.T("volunteers.topics"), in.Topics) {
		errs.MaxLen("topics", i18n.T("volunteers.topics"), in.Topics, maxText)
	}
	errs.MaxLen("note", i18n.T("volunteers.note"), in.Note, maxNote)
	if errs.Any() {
		return 0, errs
	}
	if !reaches(p, in.CommunityID) {
		return 0, auth.ErrForbidden
	}
	sealed, mask := s.sealPhone(in.Phone)
	now := s.now().UnixMilli()
	var id int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO vol_expert (community_id, person_id, name, phone, phone_mask, field, organisation, topics, note, active,
			created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?) RETURNING id`,
			in.CommunityID, nullID(in.PersonID), in.Name, sealed, mask, in.Field, in.Organisation, in.Topics, in.Note, p.UserID, now, now).Scan(&id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "volunteers.expert_create", "vol_expert", id, in.CommunityID, audit.Success).
			WithDetail(map[string]any{"kind": in.Field}))
	})
	return id, err
}

// ExpertQuery selects experts.
type ExpertQuery struct {
	CommunityID int64
	Field       string
	Q           string // name, organisation or topic
}

// Experts returns the active experts in p's scope: the pool activities draw
// their speakers from (through an adapter in internal/app/links.go).
func (s *Service) Experts(ctx context.Context, p *auth.Principal, q ExpertQuery) ([]*Expert, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := s.scopeSQL(p, "e.community_id")
	where := []string{sc, "e.active"}
	if q.CommunityID != 0 {
		where, args = append(where, "e.community_id = ?"), append(args, q.CommunityID)
	}
	if q.Field != "" {
		where, args = append(where, "e.field = ?"), append(args, q.Field)
	}
	if t := strings.TrimSpace(q.Q); t != "" {
		like := "%" + t + "%"
		where, args = append(where, "(e.name LIKE ? OR e.organisation LIKE ? OR e.topics LIKE ?)"), append(args, like, like, like)
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT e.id, e.community_id, COALESCE(e.person_id, 0), e.name, e.phone_mask, e.field, e.organisation, e.topics, e.note,
		e.active, e.created_at, COALESCE(c.name, '') FROM vol_expert e LEFT JOIN org_unit c ON c.id = e.community_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY c.name, e.field, e.name LIMIT 1000`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Expert
	for rows.Next() {
		e := &Expert{}
		if err := rows.Scan(&e.ID, &e.CommunityID, &e.PersonID, &e.Name, &e.PhoneMask, &e.Field, &e.Organisation, &e.Topics, &e.Note, &e.Active,
			&e.CreatedAt, &e.CommunityName); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
