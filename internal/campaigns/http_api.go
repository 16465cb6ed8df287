package campaigns

import (
	"net/http"

	"linli/internal/auth"
	"linli/internal/web"
)

// APIRoutes registers the JSON API.
func (s *Service) APIRoutes(srv *web.Server) {
	srv.API("GET", "/api/v1/campaigns", PermRead, "", s.apiList)
	srv.API("GET", "/api/v1/campaigns/{id}", PermRead, "campaign", s.apiGet)
}

// CampaignJSON is a campaign with its progress.
type CampaignJSON struct {
	ID           int64    `json:"id"`
	CommunityID  int64    `json:"community_id"`
	Community    string   `json:"community"`
	Name         string   `json:"name"`
	Kind         string   `json:"kind"`
	Year         int      `json:"year"`
	State        string   `json:"state"`
	PassScore    int      `json:"pass_score"`
	Result       string   `json:"result"`
	TitleAwarded string   `json:"title_awarded"`
	ValidUntil   string   `json:"valid_until"`
	ReexamOn     string   `json:"reexam_on"`
	Progress     Progress `json:"progress"`
	// Criteria, with the scores, only in a single campaign's answer.
	Criteria []CriterionJSON `json:"criteria,omitempty"`
}

// CriterionJSON is a criterion with its scores (null: not scored) and the
// number of pieces of evidence.
type CriterionJSON struct {
	Code       string     `json:"code"`
	Text       string     `json:"text"`
	Weight     int        `json:"weight"`
	Veto       bool       `json:"veto"`
	Evidence   int        `json:"evidence"`
	SelfScore  *ScoreJSON `json:"self"`
	CheckScore *ScoreJSON `json:"check"`
}

// ScoreJSON is a score.
type ScoreJSON struct {
	Points     int    `json:"points"`
	VetoFailed bool   `json:"veto_failed"`
	Note       string `json:"note"`
}

func toJSON(c *Campaign) CampaignJSON {
	return CampaignJSON{ID: c.ID, CommunityID: c.CommunityID, Community: c.CommunityName, Name: c.Name, Kind: c.Kind, Year: c.Year, State: c.State,
		PassScore: c.PassScore, Result: c.Result, TitleAwarded: c.TitleAwarded, ValidUntil: c.ValidUntil, ReexamOn: c.ReexamOn, Progress: c.Progress}
}

func (s *Service) apiList(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	list, err := s.List(r.Context(), p, Filter{State: r.URL.Query().Get("state"), Year: web.QueryInt(r, "year", 0, 2000, 2100)})
	if err != nil {
		return err
	}
	out := struct {
		Items []CampaignJSON `json:"items"`
	}{Items: []CampaignJSON{}}
	for _, c := range list {
		out.Items = append(out.Items, toJSON(c))
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Service) apiGet(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	c, d, err := s.Details(r.Context(), p, id)
	if err != nil {
		return err
	}
	out := toJSON(c)
	for _, cr := range c.Criteria {
		cj := CriterionJSON{Code: cr.Code, Text: cr.Text, Weight: cr.Weight, Veto: cr.Veto, Evidence: len(d.ByCriterion(cr.Code))}
		if sc := d.Score(StageSelf, cr.Code); sc != nil {
			cj.SelfScore = &ScoreJSON{Points: sc.Points, VetoFailed: sc.VetoFailed, Note: sc.Note}
		}
		if sc := d.Score(StageCheck, cr.Code); sc != nil {
			cj.CheckScore = &ScoreJSON{Points: sc.Points, VetoFailed: sc.VetoFailed, Note: sc.Note}
		}
		out.Criteria = append(out.Criteria, cj)
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}
