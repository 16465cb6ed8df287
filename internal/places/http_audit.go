package places

import (
	"context"
	"strconv"

	"linli/internal/auth"
	"linli/internal/web"
)

// auditRoutes names estates, buildings and dwellings in the audit log, with
// a link when the reader may open them.
func (s *Service) auditRoutes(srv *web.Server) {
	named := func(get func(ctx context.Context, p *auth.Principal, id int64) (string, error), page string) web.AuditResolver {
		return web.AuditEach(func(ctx context.Context, p *auth.Principal, id int64) (web.AuditTarget, bool, error) {
			label, err := get(ctx, web.AuditReader, id)
			if err != nil {
				return web.AuditTarget{}, false, err
			}
			t := web.AuditTarget{Label: label}
			if p.Can(PermRead) {
				if _, err := get(ctx, p, id); err == nil {
					t.Href = page + strconv.FormatInt(id, 10)
				}
			}
			return t, true, nil
		})
	}
	srv.AddAuditTarget("estate", named(func(ctx context.Context, p *auth.Principal, id int64) (string, error) {
		e, err := s.GetEstate(ctx, p, id)
		if err != nil {
			return "", err
		}
		return e.Name, nil
	}, "/places/estates/"))
	srv.AddAuditTarget("building", named(func(ctx context.Context, p *auth.Principal, id int64) (string, error) {
		b, err := s.GetBuilding(ctx, p, id)
		if err != nil {
			return "", err
		}
		return b.Label(), nil
	}, "/places/buildings/"))
	srv.AddAuditTarget("dwelling", named(func(ctx context.Context, p *auth.Principal, id int64) (string, error) {
		d, err := s.GetDwelling(ctx, p, id)
		if err != nil {
			return "", err
		}
		return d.Address(), nil
	}, "/places/dwellings/"))
}
