package volunteers

import (
	"context"

	"linli/internal/audit"
	"linli/internal/auth"
)

// Certificate is the 志愿服务记录证明 of a volunteer: the community's name as
// header, the person's masked ID number (never the full one), hours by
// year and in all, the issue date.
type Certificate struct {
	V             *Volunteer
	CommunityName string
	IDMask        string // "" for an outsider
	Years         []YearHours
	Minutes       int
	Level         Level
	IssuedOn      string
}

// TotalHours is the service in all, in hours.
func (c *Certificate) TotalHours() string { return Hours(c.Minutes) }

// IssueCertificate builds a volunteer's certificate for printing; issuing it
// is audited.
func (s *Service) IssueCertificate(ctx context.Context, p *auth.Principal, id int64) (*Certificate, error) {
	v, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !v.Access.Confirm {
		return nil, auth.ErrForbidden
	}
	c, err := s.certificate(ctx, p, v)
	if err != nil {
		return nil, err
	}
	return c, s.Audit.RecordAlone(ctx, s.DB, audit.Event(p, "volunteers.certificate", "vol_volunteer", v.ID, v.CommunityID, audit.Success).
		WithDetail(map[string]any{"minutes": c.Minutes}))
}

func (s *Service) certificate(ctx context.Context, p *auth.Principal, v *Volunteer) (*Certificate, error) {
	c := &Certificate{V: v, CommunityName: v.CommunityName, IssuedOn: s.today()}
	if v.PersonID != 0 && s.People != nil {
		// The registry masks the number (internal/privacy); the full one is
		// never read here.
		if per, err := s.People.Person(ctx, p, v.PersonID); err == nil {
			c.IDMask = per.IDMask
		}
	}
	var err error
	if c.Years, c.Minutes, err = s.YearTotals(ctx, v); err != nil {
		return nil, err
	}
	bands, err := s.Bands(ctx, v.CommunityID)
	if err != nil {
		return nil, err
	}
	c.Level = LevelOf(c.Minutes, bands)
	return c, nil
}
