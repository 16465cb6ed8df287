package venues

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
)

// The portal's reads cross the scope on purpose (ARCHITECTURE.md, "Reads
// that cross the scope"): a resident has no org scope; they see the venues
// open to residents of their own community and of its street, when each is
// free (never who holds it), and their own bookings.

// portalPlaces are the org units whose venues a resident may book: their
// community and its street.
func (s *Service) portalPlaces(ctx context.Context, p *auth.Principal) []int64 {
	if s.Home == nil || !p.Can(PermPortal) || p.PersonID == 0 {
		return nil
	}
	c, ok := s.Home(ctx, p)
	if !ok {
		return nil
	}
	out := []int64{c}
	if u, ok := s.Org.Lookup(ctx, c); ok && u.ParentID != 0 {
		out = append(out, u.ParentID)
	}
	return out
}

// PortalVenues lists the venues open to p, a resident.
func (s *Service) PortalVenues(ctx context.Context, p *auth.Principal) ([]*Venue, error) {
	if err := p.Require(PermPortal); err != nil {
		return nil, err
	}
	places := s.portalPlaces(ctx, p)
	if len(places) == 0 {
		return nil, nil
	}
	c, args := s.DB.Dialect().IDSet("v.community_id", places)
	return s.venues(ctx, nil, `SELECT `+venueCols+venueFrom+` WHERE `+c+` AND v.active AND v.book_residents ORDER BY v.community_id, v.name`, args...)
}

// PortalVenue is one venue open to p, a resident.
func (s *Service) PortalVenue(ctx context.Context, p *auth.Principal, id int64) (*Venue, error) {
	if err := p.Require(PermPortal); err != nil {
		return nil, err
	}
	places := s.portalPlaces(ctx, p)
	if len(places) == 0 {
		return nil, auth.ErrNotFound
	}
	c, args := s.DB.Dialect().IDSet("v.community_id", places)
	v, err := scanVenue(s.DB.QueryRowContext(ctx, `SELECT `+venueCols+venueFrom+` WHERE v.id = ? AND `+c+` AND v.active AND v.book_residents`,
		append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	return v, err
}

// Busy is a stretch of time a venue is held, without whom by: what the
// portal shows of other people's bookings.
type Busy struct {
	StartsAt, EndsAt int64
	Own              bool
}

// Clock is its start and end within the day.
func (b Busy) Clock() string { return clock(b.StartsAt) + "–" + clock(b.EndsAt) }

// BusyTimes returns when venue v is held between from and to.
func (s *Service) BusyTimes(ctx context.Context, p *auth.Principal, v *Venue, from, to int64) ([]Busy, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT starts_at, ends_at, booker_person_id FROM venue_booking WHERE community_id = ? AND venue_id = ?
		AND starts_at < ? AND ends_at > ? AND status IN ('pending', 'approved') ORDER BY starts_at`, v.CommunityID, v.ID, to, from)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Busy
	for rows.Next() {
		var b Busy
		var person int64
		if err := rows.Scan(&b.StartsAt, &b.EndsAt, &person); err != nil {
			return nil, err
		}
		b.Own = person != 0 && person == p.PersonID
		out = append(out, b)
	}
	return out, rows.Err()
}

// PortalBook is a resident's request for a venue open to residents: pending
// when the venue needs approval.
func (s *Service) PortalBook(ctx context.Context, p *auth.Principal, in BookInput) (int64, error) {
	if err := p.Require(PermPortal); err != nil {
		return 0, err
	}
	if p.PersonID == 0 {
		return 0, i18n.NewError("forbidden", "venues.err_no_person")
	}
	v, err := s.PortalVenue(ctx, p, in.VenueID)
	if err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	kind := BookerResident
	team := ""
	checkBooking(v, &in.Title, &in.Purpose, &kind, &team, &in.Contact, in.Attendees, errs)
	s.checkTimes(p, v, in.StartsAt, in.EndsAt, errs)
	if errs.Any() {
		return 0, errs
	}
	now := s.now().UnixMilli()
	b := &Booking{CommunityID: v.CommunityID, VenueID: v.ID, Title: in.Title, Purpose: in.Purpose, BookerKind: BookerResident, BookerUserID: p.UserID,
		BookerPersonID: p.PersonID, BookerName: p.DisplayName, Contact: in.Contact, Attendees: in.Attendees, StartsAt: in.StartsAt.UnixMilli(),
		EndsAt: in.EndsAt.UnixMilli(), Status: StatusApproved, Source: SourcePortal, CreatedBy: p.UserID, CreatedAt: now}
	if v.NeedsApproval {
		b.Status = StatusPending
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := insert(ctx, tx, b); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "venues.portal_book", "venue_booking", b.ID, v.CommunityID, audit.Success).
			WithDetail(map[string]any{"venue_id": v.ID, "start": b.Span(), "status": b.Status}))
	})
	if db.IsUniqueViolation(err) {
		// A resident is told the time is taken, not by whom.
		return 0, i18n.NewError("conflict", "venues.err_taken_portal", "time", strings.TrimSpace(b.Span()))
	}
	if err != nil {
		return 0, err
	}
	return b.ID, nil
}
