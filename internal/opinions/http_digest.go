package opinions

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/importexport"
	"linli/internal/org"
	"linli/internal/web"
)

func (s *Service) digestRoutes(srv *web.Server, h *handlers) {
	srv.Page("GET", "/opinions/digest", PermRead, "", h.digestPage)
	srv.Page("GET", "/opinions/digest/export", PermRead, "", h.digestExport)
}

type digestData struct {
	D           *Digest
	Communities []*org.Unit // a street's staff may pick one
	Title       string
}

// digest reads the month and community a digest page or export asks for: a
// malformed month is the request's fault (400, naming the field).
func (h *handlers) digest(r *http.Request, p *auth.Principal) (*Digest, error) {
	q := r.URL.Query()
	d, err := h.s.Digest(r.Context(), p, q.Get("month"), web.QueryID(q, "community"))
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return nil, i18n.NewError("bad_request", verrs.Fields[0].Msg.Key, verrs.Fields[0].Msg.Args...)
	}
	return d, err
}

// digestTitle names the digest: 2026年11月 一号社区社情民意月报.
func (h *handlers) digestTitle(r *http.Request, d *Digest) string {
	where := ""
	if d.CommunityID != 0 {
		if c, ok := h.s.Org.Lookup(r.Context(), d.CommunityID); ok {
			where = c.Name
		}
	} else if len(d.Units) == 1 {
		where = d.Units[0].Name
	}
	return i18n.T("opinions.digest_title_of", "month", monthLabel(d.Month), "where", where)
}

func monthLabel(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	return t.Format("2006年1月")
}

func (h *handlers) digestPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	d, err := h.digest(r, p)
	if err != nil {
		return err
	}
	data := digestData{D: d, Title: h.digestTitle(r, d)}
	if p.Can(org.PermRead) {
		comms, err := h.s.Org.InScope(r.Context(), p, org.Community)
		if err != nil {
			return err
		}
		if len(comms) > 1 {
			data.Communities = comms
		}
	}
	return h.srv.Render(w, r, "opinions/digest.html", web.View{Title: data.Title, ActiveNav: "/opinions", Data: data})
}

// digestExport writes the digest as .xlsx: the counts per community and in
// all, then the month's opinions by category.
func (h *handlers) digestExport(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	d, err := h.digest(r, p)
	if err != nil {
		return err
	}
	title := h.digestTitle(r, d)
	headers := []string{i18n.T("opinions.digest_unit"), i18n.T("opinions.digest_total"), i18n.T("opinions.digest_answered"),
		i18n.T("opinions.digest_cases"), i18n.T("opinions.digest_open"), i18n.T("opinions.digest_share")}
	for _, c := range Categories {
		headers = append(headers, i18n.T("opinions.category."+c))
	}
	for _, s := range Sources {
		headers = append(headers, i18n.T("opinions.source."+s))
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(title+".xlsx"))
	xw, err := importexport.NewWriter(w, importexport.Meta{Title: title, ExportedBy: p.DisplayName + "（" + p.Username + "）",
		ExportedAt: time.Now().In(web.Local), Masked: true, Filter: d.Month}, headers)
	if err != nil {
		return err
	}
	write := func(label string, c Counts) error {
		row := []any{label, c.Total, c.Answered, c.Cases, c.Open, c.AnsweredShare()}
		for _, x := range c.ByCategory {
			row = append(row, x.N)
		}
		for _, x := range c.BySource {
			row = append(row, x.N)
		}
		return xw.Write(row...)
	}
	for _, u := range d.Units {
		if err := write(u.Name, u.Counts); err != nil {
			return err
		}
	}
	if err := write(i18n.T("opinions.digest_sum"), d.Total); err != nil {
		return err
	}
	// The opinions follow under their own headings, in the same columns.
	if err := xw.Write(); err != nil {
		return err
	}
	if err := xw.Write(i18n.T("opinions.category"), i18n.T("opinions.raised_on"), i18n.T("opinions.source"), i18n.T("opinions.status"),
		i18n.T("opinions.grid"), i18n.T("opinions.content"), i18n.T("opinions.answer")); err != nil {
		return err
	}
	for _, g := range d.Groups {
		for _, o := range g.Opinions {
			where := o.CommunityName
			if o.GridName != "" {
				where += " · " + o.GridName
			}
			if err := xw.Write(g.Name, o.RaisedOn, o.SourceName(), o.StatusName(), where, o.Content, o.Answer); err != nil {
				return err
			}
		}
	}
	return xw.Close()
}
