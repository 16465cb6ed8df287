package venues

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/web"
)

// APIRoutes registers the JSON API: venues (list, one, create), a venue's
// bookings and booking one, and bookings (list, one, approve, refuse,
// cancel). A booking's own paths are under /api/v1/venue-bookings: under
// /api/v1/venues/bookings/{id} they would share paths with a venue's
// /api/v1/venues/{id}/bookings.
func (s *Service) APIRoutes(srv *web.Server) {
	srv.API("GET", "/api/v1/venues", PermRead, "", s.apiList)
	srv.API("POST", "/api/v1/venues", PermManage, "", s.apiCreate)
	srv.API("GET", "/api/v1/venues/{id}", PermRead, "venue", s.apiGet)
	srv.API("GET", "/api/v1/venues/{id}/bookings", PermRead, "venue", s.apiVenueBookings)
	srv.API("POST", "/api/v1/venues/{id}/bookings", PermBook, "venue", s.apiBook)
	srv.API("GET", "/api/v1/venue-bookings", PermRead, "", s.apiBookings)
	srv.API("GET", "/api/v1/venue-bookings/{id}", PermRead, "venue_booking", s.apiBooking)
	srv.API("POST", "/api/v1/venue-bookings/{id}/approve", PermManage, "venue_booking", s.apiDecide("approve"))
	srv.API("POST", "/api/v1/venue-bookings/{id}/refuse", PermManage, "venue_booking", s.apiDecide("refuse"))
	srv.API("POST", "/api/v1/venue-bookings/{id}/cancel", PermBook, "venue_booking", s.apiDecide("cancel"))
}

// VenueJSON is one venue.
type VenueJSON struct {
	ID            int64    `json:"id"`
	CommunityID   int64    `json:"community_id"`
	Community     string   `json:"community"`
	Name          string   `json:"name"`
	Kind          string   `json:"kind"`
	Capacity      int      `json:"capacity"`
	Hours         []string `json:"hours"` // Sunday first, "08:00-21:00" or "" closed
	Equipment     string   `json:"equipment"`
	BookStaff     bool     `json:"book_staff"`
	BookTeams     bool     `json:"book_teams"`
	BookResidents bool     `json:"book_residents"`
	NeedsApproval bool     `json:"needs_approval"`
	Active        bool     `json:"active"`
	Note          string   `json:"note"`
	CanBook       bool     `json:"can_book"`
	CanManage     bool     `json:"can_manage"`
}

func venueJSON(v *Venue) VenueJSON {
	return VenueJSON{ID: v.ID, CommunityID: v.CommunityID, Community: v.CommunityName, Name: v.Name, Kind: v.Kind, Capacity: v.Capacity,
		Hours: v.Hours[:], Equipment: v.Equipment, BookStaff: v.BookStaff, BookTeams: v.BookTeams, BookResidents: v.BookResidents,
		NeedsApproval: v.NeedsApproval, Active: v.Active, Note: v.Note, CanBook: v.Access.Book, CanManage: v.Access.Manage}
}

// BookingJSON is one booking.
type BookingJSON struct {
	ID          int64  `json:"id"`
	CommunityID int64  `json:"community_id"`
	VenueID     int64  `json:"venue_id"`
	Venue       string `json:"venue"`
	Title       string `json:"title"`
	Purpose     string `json:"purpose"`
	BookerKind  string `json:"booker_kind"`
	Who         string `json:"who"`
	Team        string `json:"team"`
	Contact     string `json:"contact"`
	Attendees   int    `json:"attendees"`
	StartsAt    string `json:"starts_at"`
	EndsAt      string `json:"ends_at"`
	Status      string `json:"status"`
	SeriesID    int64  `json:"series_id"`
	Source      string `json:"source"`
	SourceRef   int64  `json:"source_ref"`
	CanApprove  bool   `json:"can_approve"`
	CanCancel   bool   `json:"can_cancel"`
}

func rfc(ms int64) string { return time.UnixMilli(ms).In(web.Local).Format(time.RFC3339) }

func bookingJSON(b *Booking) BookingJSON {
	return BookingJSON{ID: b.ID, CommunityID: b.CommunityID, VenueID: b.VenueID, Venue: b.VenueName, Title: b.Title, Purpose: b.Purpose,
		BookerKind: b.BookerKind, Who: b.Who(), Team: b.Team, Contact: b.Contact, Attendees: b.Attendees, StartsAt: rfc(b.StartsAt), EndsAt: rfc(b.EndsAt),
		Status: b.Status, SeriesID: b.SeriesID, Source: b.Source, SourceRef: b.SourceRef, CanApprove: b.Access.Approve, CanCancel: b.Access.Cancel}
}

type idJSON struct {
	ID int64 `json:"id"`
}

func (s *Service) apiList(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	list, err := s.ListVenues(r.Context(), p, venueFilter(r))
	if err != nil {
		return err
	}
	items := make([]VenueJSON, 0, len(list))
	for _, v := range list {
		items = append(items, venueJSON(v))
	}
	web.WriteJSON(w, http.StatusOK, struct {
		Items []VenueJSON `json:"items"`
	}{items})
	return nil
}

func (s *Service) apiCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in struct {
		OrgID         int64    `json:"org_id"`
		CommunityID   int64    `json:"community_id"`
		Name          string   `json:"name"`
		Kind          string   `json:"kind"`
		Capacity      int      `json:"capacity"`
		Hours         []string `json:"hours"`
		Equipment     string   `json:"equipment"`
		BookStaff     *bool    `json:"book_staff"`
		BookTeams     bool     `json:"book_teams"`
		BookResidents bool     `json:"book_residents"`
		NeedsApproval bool     `json:"needs_approval"`
		Note          string   `json:"note"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	vi := VenueInput{OrgID: in.OrgID, Name: in.Name, Kind: in.Kind, Capacity: in.Capacity, Equipment: in.Equipment, BookStaff: in.BookStaff == nil || *in.BookStaff,
		BookTeams: in.BookTeams, BookResidents: in.BookResidents, NeedsApproval: in.NeedsApproval, Note: in.Note, Active: true}
	if vi.OrgID == 0 {
		vi.OrgID = in.CommunityID
	}
	if vi.Kind == "" {
		vi.Kind = "other"
	}
	switch len(in.Hours) {
	case 0:
		vi.Hours = ParseHours("")
	case 7:
		copy(vi.Hours[:], in.Hours)
	default:
		errs := &i18n.Errors{}
		errs.Add("hours", "venues.err_hours_seven")
		return errs
	}
	if vi.OrgID == 0 {
		// One community held wholly: the venue is that community's.
		places, err := s.Places(r.Context(), p)
		if err != nil {
			return err
		}
		var comms []int64
		for _, u := range places {
			if u.Level == "community" {
				comms = append(comms, u.ID)
			}
		}
		if len(comms) == 1 {
			vi.OrgID = comms[0]
		}
	}
	id, err := s.CreateVenue(r.Context(), p, vi)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, idJSON{id})
	return nil
}

func (s *Service) apiGet(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, venueJSON(v))
	return nil
}

func writeBookings(w http.ResponseWriter, list []*Booking, total int) {
	items := make([]BookingJSON, 0, len(list))
	for _, b := range list {
		items = append(items, bookingJSON(b))
	}
	web.WriteJSON(w, http.StatusOK, struct {
		Total int           `json:"total"`
		Items []BookingJSON `json:"items"`
	}{total, items})
}

func apiFilter(r *http.Request) Filter {
	f := bookingFilter(r)
	f.Limit, f.Offset = web.QueryInt(r, "limit", 50, 1, 500), web.QueryInt(r, "offset", 0, 0, 1<<30)
	return f
}

func (s *Service) apiVenueBookings(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	f := apiFilter(r)
	f.VenueID = v.ID
	list, total, err := s.ListBookings(r.Context(), p, f)
	if err != nil {
		return err
	}
	writeBookings(w, list, total)
	return nil
}

func (s *Service) apiBookings(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	list, total, err := s.ListBookings(r.Context(), p, apiFilter(r))
	if err != nil {
		return err
	}
	writeBookings(w, list, total)
	return nil
}

func (s *Service) apiBooking(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	b, err := s.GetBooking(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, bookingJSON(b))
	return nil
}

// apiTime reads an RFC 3339 time, naming the field when it is not one.
func apiTime(field, label, v string, errs *i18n.Errors) time.Time {
	if v == "" {
		errs.Add(field, "err.required", "field", label)
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		errs.Add(field, "venues.err_rfc3339", "field", label)
	}
	return t
}

func (s *Service) apiBook(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		StartsAt   string `json:"starts_at"`
		EndsAt     string `json:"ends_at"`
		Title      string `json:"title"`
		Purpose    string `json:"purpose"`
		BookerKind string `json:"booker_kind"`
		Team       string `json:"team"`
		Contact    string `json:"contact"`
		Attendees  int    `json:"attendees"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	errs := &i18n.Errors{}
	from := apiTime("starts_at", i18n.T("venues.starts_at"), in.StartsAt, errs)
	to := apiTime("ends_at", i18n.T("venues.ends_at"), in.EndsAt, errs)
	if errs.Any() {
		return errs
	}
	if in.Title == "" {
		in.Title = i18n.T("venues.default_title")
	}
	bid, err := s.Book(r.Context(), p, BookInput{VenueID: id, Title: in.Title, Purpose: in.Purpose, BookerKind: in.BookerKind, Team: in.Team,
		Contact: in.Contact, Attendees: in.Attendees, StartsAt: from, EndsAt: to})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, idJSON{bid})
	return nil
}

func (s *Service) apiDecide(op string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		var in struct {
			Note string `json:"note"`
		}
		// The note is optional, and so is the body.
		raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			if err := json.Unmarshal(raw, &in); err != nil {
				return i18n.NewError("bad_request", "err.bad_request")
			}
		}
		switch op {
		case "approve":
			err = s.Approve(r.Context(), p, id, in.Note)
		case "refuse":
			err = s.Refuse(r.Context(), p, id, in.Note)
		default:
			err = s.Cancel(r.Context(), p, id, in.Note)
		}
		if err != nil {
			return err
		}
		b, err := s.GetBooking(r.Context(), p, id)
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusOK, bookingJSON(b))
		return nil
	}
}
