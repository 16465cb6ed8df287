package cases

import (
	"context"
	"strconv"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/web"
)

// auditRoutes names cases and case types in the audit log: a case by its
// number (a link when the reader may open it), a type by its name, and the
// codes in cases' details (a transition's action and stages, a new case's
// type, category and source, an escalation's levels) by their names.
func (s *Service) auditRoutes(srv *web.Server) {
	srv.AddAuditTarget("case", web.AuditEach(func(ctx context.Context, p *auth.Principal, id int64) (web.AuditTarget, bool, error) {
		c, err := s.Get(ctx, web.AuditReader, id)
		if err != nil {
			return web.AuditTarget{}, false, err
		}
		t := web.AuditTarget{Label: c.Number()}
		if p.Can(PermRead) {
			if _, err := s.Get(ctx, p, id); err == nil {
				t.Href = "/cases/" + strconv.FormatInt(id, 10)
			}
		}
		return t, true, nil
	}))
	srv.AddAuditLookup("case", func(_ context.Context, number string) (string, bool) {
		id, ok := ParseNumber(number)
		return strconv.FormatInt(id, 10), ok
	})
	srv.AddAuditTarget("case_type", func(ctx context.Context, p *auth.Principal, codes []string) (map[string]web.AuditTarget, error) {
		out := map[string]web.AuditTarget{}
		for _, code := range codes {
			if t, ok := s.Type(ctx, code); ok {
				at := web.AuditTarget{Label: t.Name}
				if p.Can(PermConfigure) {
					at.Href = "/admin/case-types?type=" + code
				}
				out[code] = at
			}
		}
		return out, nil
	})
	srv.AddAuditValues("case", func(ctx context.Context, e audit.Entry, key, v string) (string, bool) {
		var t *TypeDef
		if e.ObjectType == "case" {
			if id, err := strconv.ParseInt(e.ObjectID, 10, 64); err == nil {
				if c, err := s.Get(ctx, web.AuditReader, id); err == nil {
					t = c.Type
				}
			}
		}
		switch key {
		case "type":
			if tt, ok := s.Type(ctx, v); ok {
				return tt.Name, true
			}
		case "source":
			return known("cases.source.", v)
		case "kind":
			if e.Action == "case.document" {
				return known("cases.doc.", v)
			}
			return known("cases.link.", v)
		case "role":
			return known("cases.party_role.", v)
		case "category":
			if t != nil {
				if c, ok := t.Category(v); ok {
					return c.Name, true
				}
			}
		case "action":
			if t != nil {
				for _, tr := range t.Transitions {
					if tr.Code == v {
						return tr.Name, true
					}
				}
			}
		case "from", "to":
			if e.Action == "case.escalate" {
				return known("cases.level.", v)
			}
			if t != nil {
				if st, ok := t.Stage(v); ok {
					return st.Name, true
				}
			}
		}
		return "", false
	})
}

// known is the catalogue's name of a code of a declared family, when it has one.
func known(prefix, code string) (string, bool) {
	if i18n.Has(prefix + code) {
		return i18n.T(prefix + code), true
	}
	return "", false
}
