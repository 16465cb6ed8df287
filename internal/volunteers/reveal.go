package volunteers

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/i18n"
)

// PermReveal: see an outsider volunteer's full phone, on purpose, with a
// reason (audited); everyone else sees it masked. The roles are those who
// may reveal a registry person's values.
var PermReveal = auth.Define("volunteers.reveal", auth.RoleStreetAdmin, auth.RoleCommunityAdmin, auth.RoleSocialWorker)

// maxReason is the longest reveal reason kept.
const maxReason = 200

// ErrNoPhone: the volunteer has no phone on file to reveal.
var ErrNoPhone = i18n.NewError("conflict", "volunteers.err_no_phone")

// RevealPhone returns the full phone of a volunteer in p's scope, once,
// recording who saw it and why (the audit entry is written even when the
// response is lost: the value left the database).
func (s *Service) RevealPhone(ctx context.Context, p *auth.Principal, id int64, reason string) (string, error) {
	if err := p.Require(PermReveal); err != nil {
		return "", err
	}
	reason = strings.TrimSpace(reason)
	errs := &i18n.Errors{}
	if errs.Required("reason", i18n.T("volunteers.reveal_reason"), reason) {
		errs.MaxLen("reason", i18n.T("volunteers.reveal_reason"), reason, maxReason)
	}
	if errs.Any() {
		return "", errs
	}
	sc, args := s.scopeSQL(p, "v.community_id")
	var comm int64
	var enc []byte
	err := s.DB.QueryRowContext(ctx, `SELECT v.community_id, v.phone FROM vol_volunteer v WHERE v.id = ? AND `+sc, append([]any{id}, args...)...).Scan(&comm, &enc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", auth.ErrNotFound
	}
	if err != nil {
		return "", err
	}
	if len(enc) == 0 || s.Keys == nil {
		return "", ErrNoPhone
	}
	phone, err := s.Keys.Open(enc, phoneAAD)
	if err != nil {
		return "", err
	}
	err = s.Audit.RecordAlone(ctx, s.DB, audit.Event(p, "volunteers.reveal", "vol_volunteer", id, comm, audit.Success).
		WithDetail(map[string]string{"fields": "phone", "reason": reason}))
	return phone, err
}
