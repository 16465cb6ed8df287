package venues

import (
	"context"

	"linli/internal/auth"
	"linli/internal/i18n"
)

// Person is a registry person a booking is made for by staff (an elderly
// resident without a phone), as the booker may see them.
type Person struct {
	ID, CommunityID int64
	Name, IDMask    string
}

// People reads registry people within the principal's scope (the registry,
// through app).
type People interface {
	Person(ctx context.Context, p *auth.Principal, id int64) (Person, error)
	Find(ctx context.Context, p *auth.Principal, q string) ([]Person, error)
}

// FindPeople finds the people p may book a venue for, by name or ID number.
func (s *Service) FindPeople(ctx context.Context, p *auth.Principal, q string) ([]Person, error) {
	if err := p.Require(PermBook); err != nil {
		return nil, err
	}
	if s.People == nil || q == "" {
		return nil, nil
	}
	return s.People.Find(ctx, p, q)
}

// onBehalf checks the person a staff booking is for: in p's scope, living
// in the venue's community (or under the street whose venue it is).
func (s *Service) onBehalf(ctx context.Context, p *auth.Principal, v *Venue, personID int64, errs *i18n.Errors) Person {
	field := i18n.T("venues.person")
	if personID == 0 || s.People == nil {
		errs.Add("person_id", "err.required", "field", field)
		return Person{}
	}
	per, err := s.People.Person(ctx, p, personID)
	if err != nil {
		errs.Add("person_id", "venues.err_person")
		return Person{}
	}
	if per.CommunityID != v.CommunityID {
		if u, ok := s.Org.Lookup(ctx, per.CommunityID); !ok || u.ParentID != v.CommunityID {
			errs.Add("person_id", "venues.err_person_elsewhere", "name", per.Name)
		}
	}
	return per
}
