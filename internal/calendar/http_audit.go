package calendar

import (
	"context"

	"linli/internal/audit"
	"linli/internal/i18n"
	"linli/internal/web"
)

// auditValues names the kinds of days in the calendar's audit details.
func auditValues(srv *web.Server) {
	srv.AddAuditValues("calendar", func(_ context.Context, _ audit.Entry, key, v string) (string, bool) {
		switch {
		case key == "kind" && v == Holiday:
			return i18n.T("calendar.kind.holiday"), true
		case key == "kind" && v == Workday:
			return i18n.T("calendar.kind.workday"), true
		}
		return "", false
	})
}
