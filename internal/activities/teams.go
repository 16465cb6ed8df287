package activities

import (
	"context"
	"errors"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
)

// Teams are the volunteers module's teams, for signing a team up at once
// (through the same adapter as Volunteers; nil offers none).
type Teams interface {
	// TeamChoices are the active teams of community c p may see.
	TeamChoices(ctx context.Context, p *auth.Principal, c int64) ([]TeamChoice, error)
	// TeamMembers are a team's current members; auth.ErrNotFound when p
	// does not see the team or it is of another community.
	TeamMembers(ctx context.Context, p *auth.Principal, c, teamID int64) ([]VolunteerChoice, error)
}

// TeamChoice is a team offered for a group sign-up.
type TeamChoice struct {
	ID      int64
	Name    string
	Members int
}

// TeamResult is how a team's sign-up went: members accepted, waiting, and
// skipped (already signed up, not registry people, or not of the
// activity's group).
type TeamResult struct {
	Accepted, Waiting, Skipped int
}

// SignUpTeam signs up a team's members at once, each through the normal
// sign-up (accepted while places last, then waiting in turn). Members who
// are not registry people, are already signed up or are not of the
// activity's group are skipped; the counts are audited once at the end.
func (s *Service) SignUpTeam(ctx context.Context, p *auth.Principal, id, teamID int64) (TeamResult, error) {
	var res TeamResult
	if err := p.Require(PermSignUp); err != nil {
		return res, err
	}
	a, err := s.Get(ctx, p, id)
	if err != nil {
		return res, err
	}
	if teamID == 0 {
		errs := &i18n.Errors{}
		errs.Add("team_id", "err.required", "field", i18n.T("activities.team"))
		return res, errs
	}
	if !a.Access.SignUp {
		return res, ErrClosed
	}
	if s.Teams == nil || s.People == nil {
		return res, ErrNoPerson
	}
	members, err := s.Teams.TeamMembers(ctx, p, a.CommunityID, teamID)
	if errors.Is(err, auth.ErrNotFound) {
		errs := &i18n.Errors{}
		errs.Add("team_id", "err.choice", "field", i18n.T("activities.team"))
		return res, errs
	}
	if err != nil {
		return res, err
	}
	for _, m := range members {
		if m.PersonID == 0 {
			res.Skipped++
			continue
		}
		per, err := s.People.Person(ctx, p, m.PersonID)
		if errors.Is(err, auth.ErrNotFound) {
			res.Skipped++
			continue
		}
		if err != nil {
			return res, err
		}
		if a.AudienceTag != "" && !containsTag(per.Tags, a.AudienceTag) {
			res.Skipped++
			continue
		}
		r, err := s.signUp(ctx, p, a, per, SourceStaff)
		switch {
		case errors.Is(err, ErrAlready):
			res.Skipped++
		case err != nil:
			return res, err
		case r.Status == SignAccepted:
			res.Accepted++
		default:
			res.Waiting++
		}
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		return s.Audit.Record(ctx, tx, audit.Event(p, "activities.team_signup", "activity", a.ID, a.CommunityID, audit.Success).
			WithDetail(map[string]any{"ref_id": teamID, "created": res.Accepted + res.Waiting, "skipped": res.Skipped}))
	})
	return res, err
}

func containsTag(tags []string, t string) bool {
	for _, x := range tags {
		if x == t {
			return true
		}
	}
	return false
}
