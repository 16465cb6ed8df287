package volunteers

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"linli/internal/auth"
	"linli/internal/i18n"
)

// The portal's reads cross the scope on purpose (ARCHITECTURE.md, "Reads
// that cross the scope"): a resident has no org scope; they register
// themselves in their own community and see only their own volunteer row,
// hours and level.

// PortalInput is a resident's registration.
type PortalInput struct {
	Phone                string
	Skills, Availability string
	Training             string
}

// Mine is a resident's own volunteer row with their hours (nil v: not
// registered).
type Mine struct {
	V     *Volunteer
	Years []YearHours
	Level Level
}

// PortalMine reads p's own registration.
func (s *Service) PortalMine(ctx context.Context, p *auth.Principal) (*Mine, error) {
	if err := p.Require(PermPortal); err != nil {
		return nil, err
	}
	m := &Mine{}
	if p.PersonID == 0 || s.Home == nil {
		return m, nil
	}
	c, _, ok := s.Home(ctx, p)
	if !ok {
		return m, nil
	}
	v, err := scanVolunteer(s.DB.QueryRowContext(ctx, `SELECT `+volCols+volFrom+` WHERE v.community_id = ? AND v.person_id = ?`, c, p.PersonID))
	if errors.Is(err, sql.ErrNoRows) {
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	if err := s.attachMinutes(ctx, v); err != nil {
		return nil, err
	}
	m.V = v
	var total int
	if m.Years, total, err = s.YearTotals(ctx, v); err != nil {
		return nil, err
	}
	bands, err := s.Bands(ctx, v.CommunityID)
	if err != nil {
		return nil, err
	}
	m.Level = LevelOf(total, bands)
	return m, nil
}

// PortalRegister registers p, a resident with a registry person, as a
// volunteer of their community: pending until staff confirm.
func (s *Service) PortalRegister(ctx context.Context, p *auth.Principal, in PortalInput) (int64, error) {
	if err := p.Require(PermPortal); err != nil {
		return 0, err
	}
	if p.PersonID == 0 || s.Home == nil {
		return 0, ErrNoPerson
	}
	c, grid, ok := s.Home(ctx, p)
	if !ok {
		return 0, ErrNoPerson
	}
	errs := &i18n.Errors{}
	checkPhone(errs, "phone", &in.Phone)
	vin := VolunteerInput{CommunityID: c, PersonID: p.PersonID, Name: p.DisplayName, Phone: in.Phone, Skills: strings.TrimSpace(in.Skills),
		Availability: strings.TrimSpace(in.Availability), Training: strings.TrimSpace(in.Training)}
	errs.MaxLen("skills", i18n.T("volunteers.skills"), vin.Skills, maxText)
	errs.MaxLen("availability", i18n.T("volunteers.availability"), vin.Availability, maxText)
	errs.MaxLen("training", i18n.T("volunteers.training"), vin.Training, maxText)
	if errs.Any() {
		return 0, errs
	}
	return s.insertVolunteer(ctx, p, vin, grid, StatusPending, FromPortal, "volunteers.portal_register")
}
