package importflow

import (
	"context"

	"linli/internal/auth"
	"linli/internal/org"
)

// Community is the community a ledger is imported into, checked as every
// importer's Run must: p holds perm, the unit is a community, and p's scope
// holds the whole of it (an import writes anywhere in it).
func Community(ctx context.Context, units *org.Service, p *auth.Principal, perm auth.Perm, communityID int64) (*org.Unit, error) {
	if err := p.Require(perm); err != nil {
		return nil, err
	}
	comm, ok := units.Lookup(ctx, communityID)
	if !ok || comm.Level != org.Community {
		return nil, auth.ErrNotFound
	}
	if !p.Scope.AllowsCommunity(communityID) {
		return nil, auth.ErrForbidden
	}
	return comm, nil
}
