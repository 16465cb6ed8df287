package registry

import (
	"net/http"
	"net/url"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/web"
)

// ExportRoutes registers the export: GET /registry/export writes the masked
// list (the list's filters as query parameters; format=csv for CSV); POST
// /registry/export, a form of the list page with the CSRF token, takes the same
// fields in its body and, with unmasked=1 and a reason, writes full ID numbers
// and phones. A GET never writes full values: a link or a cross-site
// navigation would carry the victim's cookie and the attacker's reason.
func (s *Service) ExportRoutes(srv *web.Server) {
	srv.Page("GET", "/registry/export", PermExport, "", func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		q := r.URL.Query()
		if u := q.Get("unmasked"); u != "" && u != "0" {
			_ = s.Audit.RecordAlone(r.Context(), s.DB, audit.Event(p, "person.export_unmasked", "person", "", 0, audit.Denied).
				WithDetail(map[string]any{"refused": "GET", "reason": truncate(q.Get("reason"), 200)}))
			return i18n.NewError("method", "registry.export_unmasked_post")
		}
		return s.serveExport(w, r, p, q, false, "")
	})
	srv.Page("POST", "/registry/export", PermExport, "", func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		f := r.PostForm
		unmasked := f.Get("unmasked") == "1"
		return s.serveExport(w, r, p, f, unmasked, f.Get("reason"))
	})
}

// serveExport checks what can fail before the first byte goes out (afterwards
// an error can only cut the file short) and streams the file.
func (s *Service) serveExport(w http.ResponseWriter, r *http.Request, p *auth.Principal, v url.Values, unmasked bool, reason string) error {
	f := ParseFilter(v)
	format := "xlsx"
	if v.Get("format") == "csv" {
		format = "csv"
	}
	job, err := s.PrepareExport(r.Context(), p, f, format, unmasked, reason)
	if err != nil {
		return err
	}
	name := i18n.T("registry.people") + "-" + time.Now().In(shanghai).Format("20060102-1504") + "." + format
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	}
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	_, err = job.Write(r.Context(), w)
	return err
}
