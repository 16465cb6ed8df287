package org

import (
	"context"
	"strconv"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/web"
)

// auditRoutes names org units in the audit log (their names are
// configuration, not resident data), with a link when the reader may open
// the unit.
func (s *Service) auditRoutes(srv *web.Server) {
	s.auditValues(srv)
	srv.AddAuditTarget("org_unit", web.AuditEach(func(ctx context.Context, p *auth.Principal, id int64) (web.AuditTarget, bool, error) {
		u, err := s.Get(ctx, web.AuditReader, id)
		if err != nil {
			return web.AuditTarget{}, false, err
		}
		t := web.AuditTarget{Label: u.Name}
		if p.Can(PermRead) {
			if _, err := s.Get(ctx, p, id); err == nil {
				t.Href = "/org/" + strconv.FormatInt(id, 10)
			}
		}
		return t, true, nil
	}))
}

// auditValues names org levels in the org tree's audit details.
func (s *Service) auditValues(srv *web.Server) {
	srv.AddAuditValues("org", func(ctx context.Context, _ audit.Entry, key, v string) (string, bool) {
		if key == "level" {
			if name, ok := s.LevelNames(ctx)[Level(v)]; ok {
				return name, true
			}
		}
		return "", false
	})
}
