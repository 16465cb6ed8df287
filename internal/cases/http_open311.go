package cases

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/org"
	"linli/internal/web"
)

// Open311 GeoReport v2 for resident requests, at /open311/v2/. The service list
// is public; reading and creating requests takes api_key, a personal API token
// (lk_…) of a staff account, whose scope and permissions apply as everywhere
// else. Internal stages map to open/closed. JSON and XML.
//
// The routes are public JSON routes, which the shell treats as authenticated
// by key (web.Route.KeyAuth): a GeoReport client's form-encoded POST with
// api_key and no session cookie needs no CSRF token, while one that carries
// the session cookie still does. The key is also accepted as a Bearer header
// and in a JSON body.

func (s *Service) open311Routes(srv *web.Server, h *handlers) {
	for _, ext := range []string{"json", "xml"} {
		srv.Handle(web.Route{Method: "GET", Pattern: "/open311/v2/services." + ext, Public: true, API: true}, h.o311Services)
		srv.Handle(web.Route{Method: "GET", Pattern: "/open311/v2/requests." + ext, Public: true, API: true}, h.o311Requests)
		srv.Handle(web.Route{Method: "POST", Pattern: "/open311/v2/requests." + ext, Public: true, API: true, KeyAuth: true}, h.o311Create)
	}
	srv.Handle(web.Route{Method: "GET", Pattern: "/open311/v2/requests/{id}", Public: true, API: true, Object: "case"}, h.o311Request)
}

type o311Service struct {
	XMLName     xml.Name `json:"-" xml:"service"`
	ServiceCode string   `json:"service_code" xml:"service_code"`
	ServiceName string   `json:"service_name" xml:"service_name"`
	Description string   `json:"description" xml:"description"`
	Metadata    bool     `json:"metadata" xml:"metadata"`
	Type        string   `json:"type" xml:"type"`
	Keywords    string   `json:"keywords" xml:"keywords"`
	Group       string   `json:"group" xml:"group"`
}

type o311Request struct {
	XMLName           xml.Name `json:"-" xml:"request"`
	ServiceRequestID  string   `json:"service_request_id" xml:"service_request_id"`
	Status            string   `json:"status" xml:"status"`
	StatusNotes       string   `json:"status_notes" xml:"status_notes"`
	ServiceName       string   `json:"service_name" xml:"service_name"`
	ServiceCode       string   `json:"service_code" xml:"service_code"`
	Description       string   `json:"description" xml:"description"`
	AgencyResponsible string   `json:"agency_responsible" xml:"agency_responsible"`
	ServiceNotice     string   `json:"service_notice" xml:"service_notice"`
	RequestedDatetime string   `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   string   `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedDatetime  string   `json:"expected_datetime" xml:"expected_datetime"`
	Address           string   `json:"address" xml:"address"`
	AddressID         string   `json:"address_id" xml:"address_id"`
	Zipcode           string   `json:"zipcode" xml:"zipcode"`
	Lat               string   `json:"lat" xml:"lat"`
	Long              string   `json:"long" xml:"long"`
	MediaURL          string   `json:"media_url" xml:"media_url"`
}

type o311Created struct {
	XMLName          xml.Name `json:"-" xml:"request"`
	ServiceRequestID string   `json:"service_request_id" xml:"service_request_id"`
	ServiceNotice    string   `json:"service_notice" xml:"service_notice"`
	AccountID        string   `json:"account_id" xml:"account_id"`
}

type o311Error struct {
	XMLName     xml.Name `json:"-" xml:"error"`
	Code        int      `json:"code" xml:"code"`
	Description string   `json:"description" xml:"description"`
}

// o311Format is "xml" when the path asks for it.
func o311Format(r *http.Request) string {
	if strings.HasSuffix(r.URL.Path, ".xml") {
		return "xml"
	}
	return "json"
}

func o311Write(w http.ResponseWriter, r *http.Request, status int, root string, items any) {
	if o311Format(r) == "xml" {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, xml.Header)
		enc := xml.NewEncoder(w)
		_ = enc.Encode(struct {
			XMLName xml.Name
			Items   any
		}{XMLName: xml.Name{Local: root}, Items: items})
		return
	}
	web.WriteJSON(w, status, items)
}

func o311Fail(w http.ResponseWriter, r *http.Request, status int, msg string) error {
	o311Write(w, r, status, "errors", []o311Error{{Code: status, Description: msg}})
	return nil
}

// o311Principal authenticates the api_key (query, form, JSON body or Bearer
// header); only personal API tokens are accepted, never session cookies.
func (h *handlers) o311Principal(r *http.Request, body map[string]string) (*auth.Principal, error) {
	key := r.URL.Query().Get("api_key")
	if key == "" && body != nil {
		key = body["api_key"]
	}
	if key == "" {
		if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			key = strings.TrimSpace(bearer)
		}
	}
	if !strings.HasPrefix(key, auth.APITokenPrefix) {
		return nil, i18n.NewError("unauthenticated", "err.unauthenticated")
	}
	p, err := h.srv.Auth.Authenticate(r.Context(), key, h.srv.ClientIP(r))
	if err != nil || p == nil {
		return nil, i18n.NewError("unauthenticated", "err.unauthenticated")
	}
	return p, nil
}

func (h *handlers) o311Err(w http.ResponseWriter, r *http.Request, err error) error {
	info := web.Classify(err)
	if info.Status >= 500 {
		return err
	}
	return o311Fail(w, r, info.Status, info.Message)
}

func (h *handlers) o311Services(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	types, err := h.s.Types(r.Context())
	if err != nil {
		return err
	}
	out := []o311Service{}
	for _, t := range types {
		if !t.Open311 {
			continue
		}
		for _, c := range t.Categories {
			_, resolve := t.Limits(c.Code)
			out = append(out, o311Service{ServiceCode: t.Code + "." + c.Code, ServiceName: c.Name, Group: t.Name, Type: "realtime", Keywords: t.Name + "," + c.Name,
				Description: i18n.T("cases.open311_service", "type", t.Name, "category", c.Name, "limit", resolve.String())})
		}
	}
	o311Write(w, r, http.StatusOK, "services", out)
	return nil
}

func (h *handlers) o311Item(c *Case, notes string) o311Request {
	status := "open"
	if !c.Open() {
		status = "closed"
	}
	return o311Request{ServiceRequestID: c.Number(), Status: status, StatusNotes: notes, ServiceName: c.CategoryName(), ServiceCode: c.TypeCode + "." + c.Category,
		Description: c.Description, AgencyResponsible: c.HolderName, ServiceNotice: c.StageName(), RequestedDatetime: isoTime(c.CreatedAt),
		UpdatedDatetime: isoTime(c.UpdatedAt), ExpectedDatetime: isoTime(c.DueAt), Address: c.Location}
}

// lastPublicReply is the newest reply to the resident (给居民的回复), for
// status_notes: an Open311 client shows it to the public, so it never carries
// a staff note.
func (h *handlers) lastPublicReply(r *http.Request, c *Case) string {
	var reply string
	_ = h.s.DB.QueryRowContext(r.Context(), `SELECT public_reply FROM case_event WHERE community_id = ? AND case_id = ? AND public = TRUE AND public_reply <> '' ORDER BY id DESC LIMIT 1`, c.CommunityID, c.ID).Scan(&reply)
	return reply
}

func (h *handlers) o311Requests(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	p, err := h.o311Principal(r, nil)
	if err != nil {
		return h.o311Err(w, r, err)
	}
	if !p.Can(PermRead) {
		return o311Fail(w, r, http.StatusForbidden, i18n.T("err.forbidden"))
	}
	q := r.URL.Query()
	var list []*Case
	if ids := q.Get("service_request_id"); ids != "" {
		for _, one := range strings.Split(ids, ",") {
			id, ok := ParseNumber(one)
			if !ok {
				continue
			}
			if c, err := h.s.Get(r.Context(), p, id); err == nil && c.Type != nil && c.Type.Open311 {
				list = append(list, c)
			}
		}
	} else {
		end := time.Now()
		if v := q.Get("end_date"); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return o311Fail(w, r, http.StatusBadRequest, i18n.T("cases.open311_date", "field", "end_date"))
			}
			end = t
		}
		start := end.AddDate(0, 0, -90)
		if v := q.Get("start_date"); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return o311Fail(w, r, http.StatusBadRequest, i18n.T("cases.open311_date", "field", "start_date"))
			}
			start = t
		}
		f := Filter{Limit: 500}
		if code := q.Get("service_code"); code != "" {
			f.Type, f.Category, _ = strings.Cut(code, ".")
		}
		switch q.Get("status") {
		case "open":
			f.Status = "open"
		case "closed":
			f.Status = "closed"
		}
		cond, args, _, err := h.s.where(r.Context(), p, f, time.Now().UnixMilli()) // no my-work bucket, no queue halves
		if err != nil {
			return h.o311Err(w, r, err)
		}
		var open311 []string
		types, _ := h.s.Types(r.Context())
		for _, t := range types {
			if t.Open311 {
				open311 = append(open311, "'"+t.Code+"'")
			}
		}
		if len(open311) == 0 {
			o311Write(w, r, http.StatusOK, "service_requests", []o311Request{})
			return nil
		}
		rows, err := h.s.DB.QueryContext(r.Context(), `SELECT `+caseCols+` FROM cases c WHERE `+cond+` AND c.type IN (`+strings.Join(open311, ",")+`)
			AND c.created_at >= ? AND c.created_at <= ? ORDER BY c.created_at DESC LIMIT 1000`, append(args, start.UnixMilli(), end.UnixMilli())...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanCase(rows)
			if err != nil {
				return err
			}
			list = append(list, c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		if err := h.s.decorate(r.Context(), list); err != nil {
			return err
		}
	}
	out := make([]o311Request, 0, len(list))
	for _, c := range list {
		out = append(out, h.o311Item(c, h.lastPublicReply(r, c)))
	}
	o311Write(w, r, http.StatusOK, "service_requests", out)
	return nil
}

func (h *handlers) o311Request(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	raw := r.PathValue("id")
	raw = strings.TrimSuffix(strings.TrimSuffix(raw, ".json"), ".xml")
	p, err := h.o311Principal(r, nil)
	if err != nil {
		return h.o311Err(w, r, err)
	}
	id, ok := ParseNumber(raw)
	if !ok {
		return o311Fail(w, r, http.StatusNotFound, i18n.T("err.not_found"))
	}
	if !p.Can(PermRead) {
		return o311Fail(w, r, http.StatusForbidden, i18n.T("err.forbidden"))
	}
	c, err := h.s.Get(r.Context(), p, id)
	if err != nil || c.Type == nil || !c.Type.Open311 {
		return o311Fail(w, r, http.StatusNotFound, i18n.T("err.not_found"))
	}
	o311Write(w, r, http.StatusOK, "service_requests", []o311Request{h.o311Item(c, h.lastPublicReply(r, c))})
	return nil
}

// o311Body reads a POST's fields from a JSON object or a form.
func o311Body(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/json") {
		var raw map[string]any
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&raw); err != nil {
			return nil, err
		}
		for k, v := range raw {
			switch x := v.(type) {
			case string:
				out[k] = x
			case float64:
				out[k] = strconv.FormatFloat(x, 'f', -1, 64)
			}
		}
		return out, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	for k, v := range r.PostForm {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out, nil
}

func (h *handlers) o311Create(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	body, err := o311Body(r)
	if err != nil {
		return o311Fail(w, r, http.StatusBadRequest, i18n.T("err.bad_request"))
	}
	p, err := h.o311Principal(r, body)
	if err != nil {
		return h.o311Err(w, r, err)
	}
	if !p.Can(PermReport) {
		return o311Fail(w, r, http.StatusForbidden, i18n.T("err.forbidden"))
	}
	typ, cat, _ := strings.Cut(body["service_code"], ".")
	t, ok := h.s.Type(r.Context(), typ)
	if !ok || !t.Open311 {
		return o311Fail(w, r, http.StatusBadRequest, i18n.T("cases.open311_service_code"))
	}
	community, err := h.o311Community(r, p, body["jurisdiction_id"])
	if err != nil {
		return o311Fail(w, r, http.StatusBadRequest, i18n.T("cases.open311_jurisdiction"))
	}
	desc := strings.TrimSpace(body["description"])
	title := []rune(desc)
	if len(title) > 40 {
		title = append(title[:40], '…')
	}
	name := strings.TrimSpace(body["last_name"] + body["first_name"])
	in := CreateInput{Type: t.Code, Category: cat, Title: string(title), Description: desc, Location: body["address_string"], Source: "open311",
		CommunityID: community, ReporterName: name, ReporterPhone: body["phone"]}
	id, err := h.s.Create(r.Context(), p, in)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return o311Fail(w, r, http.StatusBadRequest, verrs.Error())
	}
	if err != nil {
		return h.o311Err(w, r, err)
	}
	c, err := h.s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	o311Write(w, r, http.StatusCreated, "service_requests", []o311Created{{ServiceRequestID: c.Number(), ServiceNotice: i18n.T("cases.open311_notice", "due", fmtTime(c.DueAt))}})
	return nil
}

// o311Community is where a request lands: the jurisdiction_id (a community's
// id or statistical code), or the only community the token's account reaches.
func (h *handlers) o311Community(r *http.Request, p *auth.Principal, jurisdiction string) (int64, error) {
	ctx := r.Context()
	comms, err := h.s.Org.InScope(ctx, p, org.Community)
	if err != nil {
		return 0, err
	}
	jurisdiction = strings.TrimSpace(jurisdiction)
	if jurisdiction == "" {
		if len(comms) == 1 {
			return comms[0].ID, nil
		}
		if len(p.Scope.Grids) == 1 {
			if g, ok := h.s.Org.Lookup(ctx, p.Scope.Grids[0]); ok {
				return g.CommunityID, nil
			}
		}
		return 0, errors.New("jurisdiction needed")
	}
	for _, c := range comms {
		if strconv.FormatInt(c.ID, 10) == jurisdiction || c.Code == jurisdiction {
			return c.ID, nil
		}
	}
	return 0, errors.New("jurisdiction not in scope")
}
