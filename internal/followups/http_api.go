package followups

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/uploads"
	"linli/internal/web"
)

// APIRoutes registers the JSON API: the caller's due list, one duty, records
// (read and write) and the rules. The due list and the record write are
// pinned contracts the phone's offline queue relies on.
func (s *Service) APIRoutes(srv *web.Server) {
	srv.API("GET", "/api/v1/followups/due", PermRead, "", s.apiDue)
	srv.API("GET", "/api/v1/followups/duties/{id}", PermRead, "fu_duty", s.apiDuty)
	srv.API("GET", "/api/v1/followups/records", PermRead, "", s.apiRecords)
	srv.API("GET", "/api/v1/followups/records/{id}", PermRead, "fu_record", s.apiRecord)
	srv.API("POST", "/api/v1/followups/records", PermRecord, "", s.apiCreateRecord)
	srv.API("GET", "/api/v1/followups/rules", PermRead, "", s.apiRules)
}

// SubjectJSON is what a duty or record is about: a person (a tag rule's
// subjects are people too), a building or a grid, with exactly one id.
type SubjectJSON struct {
	Kind       string `json:"kind"` // person, building, grid
	PersonID   int64  `json:"person_id,omitempty"`
	BuildingID int64  `json:"building_id,omitempty"`
	GridID     int64  `json:"grid_id,omitempty"`
	Name       string `json:"name"`
}

func subjectJSON(kind string, id int64, name string) SubjectJSON {
	switch kind {
	case SubjectBuilding:
		return SubjectJSON{Kind: SubjectBuilding, BuildingID: id, Name: name}
	case SubjectGrid:
		return SubjectJSON{Kind: SubjectGrid, GridID: id, Name: name}
	}
	return SubjectJSON{Kind: SubjectPerson, PersonID: id, Name: name}
}

// DueItemJSON is one duty of a due list.
type DueItemJSON struct {
	DutyID      int64       `json:"duty_id"`
	Rule        string      `json:"rule"`
	RuleID      int64       `json:"rule_id"`
	Kind        string      `json:"kind"`
	KindName    string      `json:"kind_name"`
	DueDate     string      `json:"due_date"`
	OverdueDays int         `json:"overdue_days"`
	LastDone    string      `json:"last_done,omitempty"`
	Subject     SubjectJSON `json:"subject"`
	HouseholdID int64       `json:"household_id,omitempty"`
	GridID      int64       `json:"grid_id,omitempty"`
	Grid        string      `json:"grid,omitempty"`
}

// DutyJSON is one duty with its state and what the caller may do with it.
type DutyJSON struct {
	DueItemJSON
	CommunityID int64  `json:"community_id"`
	Status      string `json:"status"`
	Since       string `json:"since"`
	EndedOn     string `json:"ended_on,omitempty"`
	CanRecord   bool   `json:"can_record"`
}

// overdueDays counts the days from due to today (0 when not yet due).
func overdueDays(due, today string) int {
	d, err1 := time.Parse(day, due)
	t, err2 := time.Parse(day, today)
	if err1 != nil || err2 != nil || !d.Before(t) {
		return 0
	}
	return int(t.Sub(d).Hours() / 24)
}

func dueItemJSON(d *Duty, today string) DueItemJSON {
	j := DueItemJSON{DutyID: d.ID, Rule: d.RuleName, RuleID: d.RuleID, Kind: d.Kind, DueDate: d.DueOn, LastDone: d.LastDoneOn,
		Subject: subjectJSON(d.SubjectKind, d.SubjectID, d.SubjectName), HouseholdID: d.HouseholdID, GridID: d.GridID, Grid: d.GridName}
	if d.Kind != "" {
		j.KindName = i18n.T("followups.kind." + d.Kind)
	}
	if d.Status == DutyActive {
		j.OverdueDays = overdueDays(d.DueOn, today)
	}
	return j
}

// apiDue is the caller's own due list: overdue, due today or due this week.
func (s *Service) apiDue(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	when := r.URL.Query().Get("when")
	if when != WhenOverdue && when != WhenToday && when != WhenWeek {
		return i18n.NewError("bad_request", "err.choice", "field", i18n.T("followups.when")+"（when）")
	}
	list, total, err := s.ListDuties(r.Context(), p, DutyFilter{Own: true, When: when,
		Limit: web.QueryInt(r, "limit", 50, 1, 500), Offset: web.QueryInt(r, "offset", 0, 0, 1<<30)})
	if err != nil {
		return err
	}
	today := s.today()
	items := make([]DueItemJSON, 0, len(list))
	for _, d := range list {
		items = append(items, dueItemJSON(d, today))
	}
	web.WriteJSON(w, http.StatusOK, struct {
		Total int           `json:"total"`
		Items []DueItemJSON `json:"items"`
	}{total, items})
	return nil
}

func (s *Service) apiDuty(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	d, acc, err := s.GetDuty(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, DutyJSON{DueItemJSON: dueItemJSON(d, s.today()), CommunityID: d.CommunityID, Status: d.Status,
		Since: d.Since, EndedOn: d.EndedOn, CanRecord: acc.Record})
	return nil
}

// RecordJSON is one visit, talk, inspection or screening.
type RecordJSON struct {
	ID          int64             `json:"id"`
	DutyID      int64             `json:"duty_id,omitempty"`
	RuleID      int64             `json:"rule_id,omitempty"`
	Kind        string            `json:"kind"`
	Way         string            `json:"way"`
	WayName     string            `json:"way_name"`
	Subject     SubjectJSON       `json:"subject"`
	HouseholdID int64             `json:"household_id,omitempty"`
	GridID      int64             `json:"grid_id,omitempty"`
	HappenedAt  string            `json:"happened_at"`
	HappenedOn  string            `json:"happened_on"`
	DueDate     string            `json:"due_date"`
	OnTime      bool              `json:"on_time"`
	Met         string            `json:"met"`
	Note        string            `json:"note"`
	Fields      map[string]string `json:"fields"`
	Needs       string            `json:"needs"`
	Location    string            `json:"location"`
	CreatedBy   int64             `json:"created_by"`
	CreatedAt   string            `json:"created_at"`
	Photos      []string          `json:"photos"` // the photos' addresses, in order
	// Items: an inspection's checklist answers, a screening's matters found
	// (result "found"); ZeroReport: a screening that found nothing.
	Items      []RecordItemJSON `json:"items"`
	ZeroReport bool             `json:"zero_report"`
}

// RecordItemJSON is one answered checklist item or matter found.
type RecordItemJSON struct {
	Seq    int    `json:"seq"`
	Item   string `json:"item"`
	Result string `json:"result"`
	Note   string `json:"note,omitempty"`
}

func apiTime(ms int64) string {
	if ms <= 0 {
		return ""
	}
	return time.UnixMilli(ms).In(locale.Zone).Format(time.RFC3339)
}

func recordJSON(rec *Record) RecordJSON {
	j := RecordJSON{ID: rec.ID, DutyID: rec.DutyID, RuleID: rec.RuleID, Kind: rec.Kind, Way: rec.Way,
		Subject: subjectJSON(rec.SubjectKind, rec.SubjectID, rec.SubjectName), HouseholdID: rec.HouseholdID, GridID: rec.GridID,
		HappenedAt: apiTime(rec.HappenedAt), HappenedOn: rec.HappenedOn, DueDate: rec.DueOn, OnTime: rec.OnTime, Met: rec.Met, Note: rec.Note,
		Fields: rec.Fields, Needs: rec.Needs, Location: rec.Location, CreatedBy: rec.CreatedBy, CreatedAt: apiTime(rec.CreatedAt)}
	if oneOf(rec.Way, Ways) {
		j.WayName = i18n.T("followups.way." + rec.Way)
	}
	if j.Fields == nil {
		j.Fields = map[string]string{}
	}
	j.ZeroReport = rec.ZeroReport
	j.Items = make([]RecordItemJSON, 0, len(rec.Items))
	for _, it := range rec.Items {
		j.Items = append(j.Items, RecordItemJSON(it))
	}
	j.Photos = make([]string, 0, len(rec.Photos))
	for _, seq := range rec.Photos {
		j.Photos = append(j.Photos, rec.PhotoURL(seq))
	}
	return j
}

// apiRecords lists records, newest first: of one duty (?duty_id=, which the
// caller must see), or every one in the caller's scope.
func (s *Service) apiRecords(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	f := RecordFilter{Limit: web.QueryInt(r, "limit", 50, 1, 500)}
	if v := r.URL.Query().Get("duty_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return i18n.NewError("not_found", "followups.err_duty")
		}
		// A duty the caller may not see is not found, rather than an
		// empty list that would say it exists.
		if _, _, err := s.GetDuty(r.Context(), p, id); err != nil {
			return err
		}
		f.DutyID = id
	}
	list, err := s.ListRecords(r.Context(), p, f)
	if err != nil {
		return err
	}
	if err := s.WithItems(r.Context(), list); err != nil {
		return err
	}
	items := make([]RecordJSON, 0, len(list))
	for _, rec := range list {
		items = append(items, recordJSON(rec))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// recordReq is the JSON body of a new record; a plain form sends the same
// names (fields as fields.health=…).
type recordReq struct {
	DutyID         int64             `json:"duty_id"`
	Way            string            `json:"way"`
	Note           string            `json:"note"`
	HappenedAt     string            `json:"happened_at"`
	Met            string            `json:"met"`
	Needs          string            `json:"needs"`
	Fields         map[string]string `json:"fields"`
	Location       string            `json:"location"`
	IdempotencyKey string            `json:"idempotency_key"`
	Photos         []photoReq        `json:"photos"`
	// An inspection's answers; a screening's found (none, found) and matters.
	Items   []itemReq `json:"items"`
	Found   string    `json:"found"`
	Matters []string  `json:"matters"`
}

type itemReq struct {
	Seq    int    `json:"seq"`
	Result string `json:"result"`
	Note   string `json:"note"`
}

// photoReq is a photo of a new record: its name (for messages only) and its
// bytes in base64.
type photoReq struct {
	Name string `json:"name"`
	Data string `json:"data"`
}

// maxRecordJSON bounds a new record's JSON body: six photos of 2 MiB in
// base64 and the text.
const maxRecordJSON = MaxPhotos*MaxPhotoBytes*4/3 + 1<<20

// decodePhotos reads the base64 photos of a request, naming each one that
// is not base64.
func decodePhotos(in []photoReq) ([]Photo, *i18n.Errors) {
	errs := &i18n.Errors{}
	var out []Photo
	for i, ph := range in {
		data, err := base64.StdEncoding.DecodeString(ph.Data)
		if err != nil {
			data, err = base64.RawStdEncoding.DecodeString(ph.Data)
		}
		if err != nil {
			errs.Add("photos", "followups.err_photo_data", "n", i+1, "name", uploads.CleanName(ph.Name))
			continue
		}
		out = append(out, Photo{Name: ph.Name, Data: data})
	}
	return out, errs
}

func formRecordReq(r *http.Request) recordReq {
	f := r.PostForm
	req := recordReq{Way: f.Get("way"), Note: f.Get("note"), HappenedAt: f.Get("happened_at"), Met: f.Get("met"), Needs: f.Get("needs"),
		Location: f.Get("location"), IdempotencyKey: f.Get("idempotency_key"), Fields: map[string]string{}}
	// Not a number is no duty: the service names duty_id.
	req.DutyID, _ = strconv.ParseInt(strings.TrimSpace(f.Get("duty_id")), 10, 64)
	for k, v := range f {
		name, ok := strings.CutPrefix(k, "fields.")
		if !ok {
			if name, ok = strings.CutPrefix(k, "fields["); ok {
				name, ok = strings.CutSuffix(name, "]")
			}
		}
		if ok && len(v) > 0 {
			req.Fields[name] = v[0]
		}
	}
	return req
}

// parseHappenedAt reads an RFC 3339 time, or for a plain form the
// datetime-local value of a phone's picker (Beijing time).
func parseHappenedAt(v string, form bool) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, true
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, true
	}
	if form {
		for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
			if t, err := time.ParseInLocation(layout, v, locale.Zone); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// apiCreateRecord records a contact. The Idempotency-Key header (or
// idempotency_key) makes a resend answer the first record's id with the same
// 201, so an offline queue may send until it is answered.
func (s *Service) apiCreateRecord(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req recordReq
	form := strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
	if form {
		req = formRecordReq(r)
	} else if err := web.DecodeJSONLimit(r, &req, maxRecordJSON); err != nil {
		return err
	}
	if k := r.Header.Get("Idempotency-Key"); k != "" {
		req.IdempotencyKey = k
	}
	at, ok := parseHappenedAt(req.HappenedAt, form)
	if !ok {
		errs := &i18n.Errors{}
		errs.Add("happened_at", "err.invalid", "field", i18n.T("followups.happened_at"))
		return errs
	}
	photos, errs := decodePhotos(req.Photos)
	if errs.Any() {
		return errs
	}
	in := RecordInput{DutyID: req.DutyID, Way: req.Way, HappenedAt: at, Met: req.Met, Note: req.Note,
		Fields: req.Fields, Needs: req.Needs, Location: req.Location, IdempotencyKey: req.IdempotencyKey, Found: req.Found, Matters: req.Matters, Photos: photos}
	for _, it := range req.Items {
		in.Items = append(in.Items, ItemAnswer(it))
	}
	if form {
		readFindings(r, &in)
	}
	id, _, err := s.CreateRecord(r.Context(), p, in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, map[string]int64{"id": id})
	return nil
}

// RuleJSON is a duty rule.
type RuleJSON struct {
	ID             int64   `json:"id"`
	OrgID          int64   `json:"org_id"`
	OrgName        string  `json:"org_name"`
	ParentID       int64   `json:"parent_id,omitempty"`
	Name           string  `json:"name"`
	Kind           string  `json:"kind"`
	Subject        string  `json:"subject"`
	TagID          int64   `json:"tag_id,omitempty"`
	TagName        string  `json:"tag_name,omitempty"`
	Every          int     `json:"every"`
	Unit           string  `json:"unit"`
	FirstYearEvery int     `json:"first_year_every"`
	Assign         string  `json:"assign"`
	Line           string  `json:"line,omitempty"`
	Users          []int64 `json:"users"`
	EscalateAfter  int     `json:"escalate_after"`
	Active         bool    `json:"active"`
}

func (s *Service) apiRules(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	list, err := s.ListRules(r.Context(), p)
	if err != nil {
		return err
	}
	items := make([]RuleJSON, 0, len(list))
	for _, ru := range list {
		j := RuleJSON{ID: ru.ID, OrgID: ru.OrgID, OrgName: ru.OrgName, ParentID: ru.ParentID, Name: ru.Name, Kind: ru.Kind, Subject: ru.Subject,
			TagID: ru.TagID, TagName: ru.TagName, Every: ru.Every, Unit: ru.Unit, FirstYearEvery: ru.FirstYearEvery, Assign: ru.Assign, Line: ru.Line,
			Users: ru.Users, EscalateAfter: ru.EscalateAfter, Active: ru.Active}
		if j.Users == nil {
			j.Users = []int64{}
		}
		items = append(items, j)
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// apiRecord is one record with its items.
func (s *Service) apiRecord(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	rec, err := s.GetRecord(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, recordJSON(rec))
	return nil
}
