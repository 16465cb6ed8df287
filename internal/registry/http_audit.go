package registry

import (
	"context"
	"strconv"
	"strings"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/privacy"
	"linli/internal/web"
)

// auditRoutes names the registry's objects in the audit log. A person's name
// is masked (张**) unless the reader may open the person, and only then is
// it a link; households go by their 户号, rentals by their address.
func (s *Service) auditRoutes(srv *web.Server) {
	srv.AddAuditTarget("person", web.AuditEach(func(ctx context.Context, p *auth.Principal, id int64) (web.AuditTarget, bool, error) {
		per, err := s.GetPerson(ctx, web.AuditReader, id)
		if err != nil {
			return web.AuditTarget{}, false, err
		}
		t := web.AuditTarget{Label: privacy.MaskName(per.Name)}
		if p.Can(PermRead) {
			if own, err := s.GetPerson(ctx, p, id); err == nil {
				t = web.AuditTarget{Label: own.Name, Href: "/registry/people/" + strconv.FormatInt(id, 10)}
			}
		}
		return t, true, nil
	}))
	srv.AddAuditTarget("household", web.AuditEach(func(ctx context.Context, p *auth.Principal, id int64) (web.AuditTarget, bool, error) {
		h, err := s.GetHousehold(ctx, web.AuditReader, id)
		if err != nil {
			return web.AuditTarget{}, false, err
		}
		t := web.AuditTarget{Label: i18n.T("registry.audit_household", "number", h.Number)}
		if h.Number == "" {
			t.Label = i18n.T("registry.audit_household", "number", id)
		}
		if p.Can(PermRead) {
			if _, err := s.GetHousehold(ctx, p, id); err == nil {
				t.Href = "/registry/households/" + strconv.FormatInt(id, 10)
			}
		}
		return t, true, nil
	}))
	srv.AddAuditTarget("rental", web.AuditEach(func(ctx context.Context, p *auth.Principal, id int64) (web.AuditTarget, bool, error) {
		r, err := s.GetRental(ctx, web.AuditReader, id)
		if err != nil {
			return web.AuditTarget{}, false, err
		}
		t := web.AuditTarget{Label: r.Address}
		if p.Can(PermRead) {
			if _, err := s.GetRental(ctx, p, id); err == nil {
				t.Href = "/registry/rentals/" + strconv.FormatInt(id, 10)
			}
		}
		return t, true, nil
	}))
	srv.AddAuditTarget("reg_tag", web.AuditEach(func(ctx context.Context, p *auth.Principal, id int64) (web.AuditTarget, bool, error) {
		tg, err := s.GetTag(ctx, web.AuditReader, id)
		if err != nil {
			return web.AuditTarget{}, false, err
		}
		// A sensitive group's name only for those who define groups.
		if tg.Sensitivity > 0 && !p.Can(PermTagAdmin) {
			return web.AuditTarget{}, false, nil
		}
		t := web.AuditTarget{Label: tg.Name}
		if p.Can(PermTagAdmin) {
			t.Href = "/registry/tags/" + strconv.FormatInt(id, 10)
		}
		return t, true, nil
	}))
	srv.AddAuditValues("person.", func(_ context.Context, e audit.Entry, key, v string) (string, bool) {
		if key == "event" && i18n.Has("registry.event."+v) {
			return i18n.T("registry.event." + v), true
		}
		return revealedFields(key, v)
	})
	srv.AddAuditValues("rental.", func(_ context.Context, e audit.Entry, key, v string) (string, bool) {
		return revealedFields(key, v)
	})
}

// revealedFields names the values a reveal showed ("id_number,phone").
func revealedFields(key, v string) (string, bool) {
	if key != "fields" {
		return "", false
	}
	names := map[string]string{"id_number": i18n.T("registry.id_number"), "phone": i18n.T("registry.phone"), "landlord_phone": i18n.T("registry.landlord_phone")}
	var out []string
	for _, f := range strings.Split(v, ",") {
		n, ok := names[strings.TrimSpace(f)]
		if !ok {
			return "", false
		}
		out = append(out, n)
	}
	return strings.Join(out, "、"), true
}
