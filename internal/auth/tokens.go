package auth

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"linli/internal/audit"
	"linli/internal/db"
	"linli/internal/i18n"
)

// PermAPIToken lets staff create personal API tokens. Administrators may not:
// a token would bypass their second factor. Residents have no API to call.
var PermAPIToken = Define("token.own", RoleStreetAdmin, RoleCommunityAdmin, RoleSocialWorker, RoleGridWorker, RoleVolunteer)

// APITokenPrefix marks personal API tokens, so that the web layer tells them
// from session tokens without a lookup.
const APITokenPrefix = "lk_"

// KindToken is the session kind of a request authenticated by an API token.
const KindToken = "token"

// APIToken is a personal API token as its owner sees it.
type APIToken struct {
	ID         int64
	Name       string
	Prefix     string
	CreatedAt  int64
	ExpiresAt  int64
	LastUsedAt int64
	RevokedAt  int64
}

// Active reports whether the token still works at now.
func (t *APIToken) Active(now int64) bool { return t.RevokedAt == 0 && t.ExpiresAt > now }

// CreateAPIToken makes a token for p itself and returns it: it is shown once.
func (s *Service) CreateAPIToken(ctx context.Context, p *Principal, name string, validFor time.Duration) (string, error) {
	if err := p.Require(PermAPIToken); err != nil {
		return "", err
	}
	name = strings.TrimSpace(name)
	errs := &i18n.Errors{}
	if errs.Required("name", i18n.T("auth.token_name"), name) {
		errs.MaxLen("name", i18n.T("auth.token_name"), name, 50)
	}
	if validFor <= 0 {
		validFor = 365 * 24 * time.Hour
	}
	if validFor > 2*365*24*time.Hour {
		errs.Add("days", "err.range", "field", i18n.T("auth.token_days"), "min", 1, "max", 730)
	}
	if errs.Any() {
		return "", errs
	}
	token := APITokenPrefix + newToken()
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var id int64
		now := db.Now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO auth_api_token (user_id, name, token_hash, prefix, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			p.UserID, name, hashToken(token), token[:len(APITokenPrefix)+6], now, now+validFor.Milliseconds()).Scan(&id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "token.create", "api_token", id, 0, audit.Success).WithDetail(map[string]string{"name": name}))
	})
	return token, err
}

// APITokens lists p's own tokens, newest first.
func (s *Service) APITokens(ctx context.Context, p *Principal) ([]*APIToken, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT id, name, prefix, created_at, expires_at, last_used_at, revoked_at FROM auth_api_token WHERE user_id = ? ORDER BY id DESC`, p.UserID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*APIToken
	for rows.Next() {
		t := &APIToken{}
		if err := rows.Scan(&t.ID, &t.Name, &t.Prefix, &t.CreatedAt, &t.ExpiresAt, &t.LastUsedAt, &t.RevokedAt); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken ends one of p's tokens.
func (s *Service) RevokeAPIToken(ctx context.Context, p *Principal, id int64) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE auth_api_token SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at = 0`, db.Now(), id, p.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "token.revoke", "api_token", id, 0, audit.Success))
	})
}

// authenticateAPIToken turns a personal API token into its owner's principal.
func (s *Service) authenticateAPIToken(ctx context.Context, token, ip string) (*Principal, error) {
	var id, uid, expires, revoked, lastUsed int64
	err := s.DB.QueryRowContext(ctx, `SELECT id, user_id, expires_at, revoked_at, last_used_at FROM auth_api_token WHERE token_hash = ?`, hashToken(token)).
		Scan(&id, &uid, &expires, &revoked, &lastUsed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrSessionExpired
	}
	if err != nil {
		return nil, err
	}
	now := db.Now()
	if revoked != 0 || expires <= now {
		return nil, ErrSessionExpired
	}
	u, err := s.GetUser(ctx, uid)
	if err != nil {
		return nil, err
	}
	if u.Disabled || u.Locked(now) || u.NeedsMFA() {
		return nil, ErrSessionExpired
	}
	if now-lastUsed > 60_000 {
		s.books.noteTokenUsed(id, now)
		s.flushSoon()
	}
	return s.principal(ctx, u, sessionRow{kind: KindToken, mfaDone: true}, ip)
}
