package activities

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
)

// Errors of an edit.
var ErrQuotaBelow = i18n.NewError("conflict", "activities.err_quota_below")

// Update changes a draft or published activity: its title, topic, format,
// theme, times, place and venue, quota, audience, budget, materials and
// content (its community and state stay). A quota below the places already
// taken is refused; a larger one moves the first of the waiting list up. A
// change of venue or of times moves the reservation: the old one is
// released and the new one made; a clash puts the old one back and refuses
// the edit with the venue's message, changing nothing.
func (s *Service) Update(ctx context.Context, p *auth.Principal, id int64, in Input) error {
	a, err := s.managed(ctx, p, id)
	if err != nil {
		return err
	}
	in.OrgID = a.CommunityID
	_, errs := s.check(ctx, &in)
	if err := s.checkTerms(ctx, &in, a.CommunityID, a.Topic, a.Format, errs); err != nil {
		return err
	}
	if in.Quota != 0 && in.Quota < a.Accepted && errs.For("quota") == "" {
		errs.Add("quota", "activities.err_quota_below", "n", a.Accepted)
	}
	if a.Status == StatusPublished && errs.For("starts_at") == "" && errs.For("ends_at") == "" && in.StartsAt.UnixMilli() <= s.now().UnixMilli() {
		errs.Add("starts_at", "activities.err_past")
	}
	if in.VenueID != 0 && s.Venues == nil {
		errs.Add("venue_id", "err.choice", "field", i18n.T("activities.venue"))
	}
	if in.ThemeID != 0 && errs.For("theme_id") == "" {
		var n int
		if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM activity_plan WHERE community_id = ? AND id = ?`, a.CommunityID, in.ThemeID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			errs.Add("theme_id", "err.choice", "field", i18n.T("activities.theme"))
		}
	}
	if errs.Any() {
		return errs
	}
	if !a.Access.Edit {
		return ErrState
	}
	start, end := in.StartsAt.UnixMilli(), in.EndsAt.UnixMilli()
	moved := in.VenueID != a.VenueID || (a.VenueID != 0 && (start != a.StartsAt || end != a.EndsAt || in.Quota != a.Quota || in.Title != a.Title))
	if moved && s.Venues != nil {
		if err := s.moveVenue(ctx, p, a, in); err != nil {
			var ie *i18n.Error
			if errors.As(err, &ie) {
				errs.Add("venue_id", "activities.err_venue", "reason", ie.Error())
				return errs
			}
			return err
		}
	}
	now := s.now().UnixMilli()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE activity SET title = ?, topic = ?, format = ?, theme_id = ?, organiser = ?, partners = ?, speakers = ?, venue_id = ?,
			place = ?, starts_at = ?, ends_at = ?, month = ?, audience_tag = ?, audience_note = ?, quota = ?, budget = ?, materials = ?, content = ?, updated_at = ?
			WHERE community_id = ? AND id = ? AND status IN ('draft', 'published') AND (? = 0 OR accepted <= ?)`,
			in.Title, in.Topic, in.Format, in.ThemeID, in.Organiser, in.Partners, in.Speakers, in.VenueID, in.Place, start, end, monthOf(start), in.AudienceTag,
			in.AudienceNote, in.Quota, in.Budget, in.Materials, in.Content, now, a.CommunityID, a.ID, in.Quota, in.Quota)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return ErrQuotaBelow // a sign-up took the places meanwhile, or the state moved on
		}
		// A larger quota (or none) takes the first waiting in order.
		for {
			var person int64
			err := tx.QueryRowContext(ctx, `SELECT s.person_id FROM activity_signup s JOIN activity a ON a.community_id = s.community_id AND a.id = s.activity_id
				WHERE s.community_id = ? AND s.activity_id = ? AND s.status = 'waiting' AND (a.quota = 0 OR a.accepted < a.quota) ORDER BY s.seq LIMIT 1`,
				a.CommunityID, a.ID).Scan(&person)
			if errors.Is(err, sql.ErrNoRows) {
				break
			}
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE activity_signup SET status = 'accepted', updated_at = ? WHERE community_id = ? AND activity_id = ? AND person_id = ?`,
				now, a.CommunityID, a.ID, person); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE activity SET accepted = accepted + 1, waiting = waiting - 1 WHERE community_id = ? AND id = ?`,
				a.CommunityID, a.ID); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "activities.update", "activity", a.ID, a.CommunityID, audit.Success).WithDetail(map[string]any{"name": in.Title}))
	})
}

// moveVenue releases a's reservation and makes in's; when the new one is
// refused, a's is made again and the refusal returned.
func (s *Service) moveVenue(ctx context.Context, p *auth.Principal, a *Activity, in Input) error {
	if a.VenueID != 0 {
		if err := s.Venues.Release(ctx, p, a.ID); err != nil {
			return err
		}
	}
	if in.VenueID == 0 {
		return nil
	}
	rerr := s.Venues.Reserve(ctx, p, in.VenueID, in.Title, in.Quota, in.StartsAt, in.EndsAt, a.ID)
	if rerr != nil && a.VenueID != 0 {
		if err := s.Venues.Reserve(ctx, p, a.VenueID, a.Title, a.Quota, time.UnixMilli(a.StartsAt), time.UnixMilli(a.EndsAt), a.ID); err != nil {
			return errors.Join(rerr, err)
		}
	}
	return rerr
}
