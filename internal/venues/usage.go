package venues

import (
	"context"
	"sort"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/locale"
)

// Usage is a month's use of the venues in scope: hours booked (approved
// bookings, by their start's day) per venue, and per booker kind and team.
type Usage struct {
	Month   string // YYYY-MM
	Venues  []VenueUsage
	Bookers []BookerUsage
	Hours   float64
	Count   int
}

// VenueUsage is one venue's month.
type VenueUsage struct {
	VenueID       int64
	Name          string
	CommunityName string
	Capacity      int
	Count         int
	Hours         float64
	Staff, Team   float64 // hours by booker kind
	Resident      float64
}

// BookerUsage is one booker's month: a team by name, staff and residents
// each as one row.
type BookerUsage struct {
	Kind  string
	Name  string
	Count int
	Hours float64
}

// KindName is the booker kind's label.
func (b BookerUsage) KindName() string { return i18n.T("venues.booker." + b.Kind) }

// ParseMonth reads "2026-03"; "" is this month.
func (s *Service) ParseMonth(m string) (time.Time, bool) {
	if m == "" {
		n := s.now().In(locale.Zone)
		return time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, locale.Zone), true
	}
	t, err := time.ParseInLocation("2006-01", m, locale.Zone)
	return t, err == nil
}

// Usage sums the month of the venues in p's scope (of one community when
// communityID is set).
func (s *Service) Usage(ctx context.Context, p *auth.Principal, month string, communityID int64) (*Usage, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	start, ok := s.ParseMonth(month)
	if !ok {
		errs := &i18n.Errors{}
		errs.Add("month", "err.invalid", "field", i18n.T("venues.month"))
		return nil, errs
	}
	u := &Usage{Month: start.Format("2006-01")}
	venues, err := s.ListVenues(ctx, p, VenueFilter{CommunityID: communityID})
	if err != nil {
		return nil, err
	}
	idx := map[int64]int{}
	for _, v := range venues {
		idx[v.ID] = len(u.Venues)
		u.Venues = append(u.Venues, VenueUsage{VenueID: v.ID, Name: v.Name, CommunityName: v.CommunityName, Capacity: v.Capacity})
	}
	from, to := start.Format(dayLayout), start.AddDate(0, 1, -1).Format(dayLayout)
	list, _, err := s.ListBookings(ctx, p, Filter{Status: StatusApproved, From: from, To: to, Limit: 5000})
	if err != nil {
		return nil, err
	}
	type key struct{ kind, name string }
	by := map[key]*BookerUsage{}
	for _, b := range list {
		i, ok := idx[b.VenueID]
		if !ok {
			continue // another community's, when one is chosen
		}
		h := b.Hours()
		vu := &u.Venues[i]
		vu.Count++
		vu.Hours += h
		switch b.BookerKind {
		case BookerStaff:
			vu.Staff += h
		case BookerTeam:
			vu.Team += h
		case BookerResident:
			vu.Resident += h
		}
		k := key{b.BookerKind, ""}
		if b.BookerKind == BookerTeam {
			k.name = b.Team
		}
		if by[k] == nil {
			by[k] = &BookerUsage{Kind: k.kind, Name: k.name}
		}
		by[k].Count++
		by[k].Hours += h
		u.Hours += h
		u.Count++
	}
	for _, b := range by {
		u.Bookers = append(u.Bookers, *b)
	}
	sort.Slice(u.Bookers, func(i, j int) bool {
		if u.Bookers[i].Hours != u.Bookers[j].Hours {
			return u.Bookers[i].Hours > u.Bookers[j].Hours
		}
		return u.Bookers[i].Kind+u.Bookers[i].Name < u.Bookers[j].Kind+u.Bookers[j].Name
	})
	return u, nil
}
