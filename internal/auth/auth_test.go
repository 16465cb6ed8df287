package auth_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"linli/internal/apptest"
	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/i18n"
)

func TestPasswordRules(t *testing.T) {
	cases := []struct {
		pw   string
		good bool
	}{
		{"Mkdtfgq1", true},
		{"mkdtfgq1!", true},
		{"MKDTFGQ1!", true},
		{"Abcdefg1", false},      // three kinds, but a run of the alphabet
		{"abcdefgh", false},      // one kind
		{"abcdefg1", false},      // two kinds
		{"Ab1!", false},          // short
		{"Zhangsan-2026", false}, // contains the user name
		{"密码密码Ab12", true},       // Chinese counts as "other"
		{"Nasgnahz-2026", false}, // the user name backwards
		// The most common passwords and keyboard runs, whatever their kinds.
		{"Password1", false},
		{"Password1!", false},
		{"P@ssw0rd", false},
		{"Aa123456", false},
		{"Qwer1234", false},
		{"1qaz@WSX", false},
		{"!QAZ2wsx", false},
		{"Asdf!234", false},
		{"Zxcv1234!", false},
		{"Abc12345", false},
		{"4321Rewq", false},
		{"Aaaa1111", false},
		{"Test-Pass-2026", true},
		{"Linli-abcdx-4821", true},
		{"Tr0ub4dor&3", true},
		{"Xy123456!", true},
	}
	for _, c := range cases {
		errs := auth.PasswordRules("zhangsan", c.pw)
		if errs.Any() == c.good {
			t.Errorf("%q: good=%v, errors=%v", c.pw, c.good, errs)
		}
	}
	// A common password is refused in Chinese, naming the field.
	if errs := auth.PasswordRules("zhangsan", "Qwer1234"); errs.For("password") == "" || !strings.Contains(errs.For("password"), "密码过于常见") {
		t.Fatalf("common password message: %v", errs)
	}
	if !auth.CheckPassword(auth.HashPassword("Secret-123"), "Secret-123") || auth.CheckPassword(auth.HashPassword("Secret-123"), "Secret-124") {
		t.Fatal("argon2id round trip")
	}
	if !strings.HasPrefix(auth.HashPassword("x"), "$argon2id$") {
		t.Fatal("hash must be argon2id")
	}
}

func TestLockoutAfterFiveFailures(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		a := w.App.Auth
		for i := 0; i < 4; i++ {
			if _, err := a.Login(ctx, "volunteer", "wrong", "10.1.1.1", "t", auth.KindWeb); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		// The 5th locks the account, answering as for any wrong password, so
		// that the answer does not tell accounts from made-up names.
		if _, err := a.Login(ctx, "volunteer", "wrong", "10.1.1.1", "t", auth.KindWeb); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("5th failure: %v", err)
		}
		if u, _ := a.GetUserByName(ctx, "volunteer"); u.LockedUntil < time.Now().Add(14*time.Minute).UnixMilli() {
			t.Fatalf("5th failure must lock for 15 minutes: %d", u.LockedUntil)
		}
		// The right password does not open a locked account.
		if _, err := a.Login(ctx, "volunteer", apptest.Password, "10.1.1.1", "t", auth.KindWeb); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("locked account logged in: %v", err)
		}
		// Once the lock has run out, the right password works again.
		if _, err := w.DB.ExecContext(ctx, `UPDATE auth_user SET locked_until = 1 WHERE username = 'volunteer'`); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Login(ctx, "volunteer", apptest.Password, "10.1.1.1", "t", auth.KindWeb); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
		// Every failure is in the audit log.
		_, n, err := audit.Search(ctx, w.DB.Reader(), audit.Filter{Action: "login_failed", Actor: "volunteer"})
		if err != nil || n != 6 {
			t.Fatalf("want 6 failed-login entries (5 wrong, 1 while locked), got %d (%v)", n, err)
		}
		// Unknown names fail the same way and are audited too.
		if _, err := a.Login(ctx, "nobody", "x", "10.1.1.1", "t", auth.KindWeb); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatal(err)
		}
	})
}

func TestIdleSessionsEnd(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		a := w.App.Auth
		// Only this test's session may count below: drop the fixture's own.
		if _, err := w.DB.ExecContext(ctx, `DELETE FROM auth_session WHERE user_id = ?`, w.Users["grid_worker"]); err != nil {
			t.Fatal(err)
		}
		res, err := a.Login(ctx, "grid_worker", apptest.Password, "ip", "ua", auth.KindWeb)
		if err != nil {
			t.Fatal(err)
		}
		p, err := a.Authenticate(ctx, res.Token, "ip")
		if err != nil || p.Username != "grid_worker" || !p.Scope.Allows(w.C1, w.GridA) || p.Scope.Allows(w.C1, w.GridB) {
			t.Fatalf("authenticate: %+v %v", p, err)
		}
		// 29 minutes idle: still valid; 31: gone, and gone for good.
		if _, err := w.DB.ExecContext(ctx, `UPDATE auth_session SET last_seen_at = ?`, time.Now().Add(-29*time.Minute).UnixMilli()); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Authenticate(ctx, res.Token, "ip"); err != nil {
			t.Fatalf("29 minutes idle must still be valid: %v", err)
		}
		// "Last seen" is written in the background; write it now, before the
		// clock is turned back again below.
		if err := a.FlushBookkeeping(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := w.DB.ExecContext(ctx, `UPDATE auth_session SET last_seen_at = ?`, time.Now().Add(-31*time.Minute).UnixMilli()); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Authenticate(ctx, res.Token, "ip"); !errors.Is(err, auth.ErrSessionExpired) {
			t.Fatalf("31 minutes idle must end the session: %v", err)
		}
		if err := a.FlushBookkeeping(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM auth_session WHERE user_id = ?`, w.Users["grid_worker"]).Scan(&n)
		if n != 0 {
			t.Fatalf("expired session row left behind: %d", n)
		}
		// The security administrator can shorten the timeout.
		sec, _ := a.Login(ctx, "security_admin", apptest.Password, "ip", "ua", auth.KindWeb)
		if err := a.SetPolicy(ctx, sec.Principal, auth.Policy{Idle: 10 * time.Minute, MaxFailures: 5, LockFor: 15 * time.Minute}); err != nil {
			t.Fatal(err)
		}
		if got := a.Policy(ctx).Idle; got != 10*time.Minute {
			t.Fatalf("policy idle = %v", got)
		}
		var verrs *i18n.Errors
		if err := a.SetPolicy(ctx, sec.Principal, auth.Policy{Idle: time.Minute, MaxFailures: 5, LockFor: 15 * time.Minute}); !errors.As(err, &verrs) || verrs.For("idle_minutes") == "" {
			t.Fatalf("1 minute must be refused naming the field: %v", err)
		}
	})
}

func TestAdministratorsNeedASecondFactor(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		a := w.App.Auth
		sys := auth.System("test")
		if _, err := a.CreateUser(ctx, sys, auth.NewUser{Username: "sec2", DisplayName: "安全员", Password: apptest.Password, Roles: []auth.Role{auth.RoleSecurityAdmin}}); err != nil {
			t.Fatal(err)
		}
		res, err := a.Login(ctx, "sec2", apptest.Password, "ip", "ua", auth.KindWeb)
		if err != nil || !res.NeedEnrol || res.Principal.Can(auth.PermSecurityConfig) {
			t.Fatalf("first login must require enrolment and grant nothing: %+v %v", res, err)
		}
		secret, uri, err := a.BeginEnrol(ctx, res.Principal)
		if err != nil || !strings.HasPrefix(uri, "otpauth://totp/") {
			t.Fatal(uri, err)
		}
		if err := a.ConfirmEnrol(ctx, res.Token, res.Principal, "000000"); !errors.Is(err, auth.ErrMFAWrong) {
			t.Fatalf("wrong code: %v", err)
		}
		code, _ := auth.TOTPCode(secret, time.Now())
		if err := a.ConfirmEnrol(ctx, res.Token, res.Principal, code); err != nil {
			t.Fatal(err)
		}
		p, err := a.Authenticate(ctx, res.Token, "ip")
		if err != nil || p.MFAPending || !p.Can(auth.PermSecurityConfig) {
			t.Fatalf("after enrolment the session is complete: %+v %v", p, err)
		}
		// Next login asks for a code; the code already used is refused (replay).
		res2, err := a.Login(ctx, "sec2", apptest.Password, "ip", "ua", auth.KindWeb)
		if err != nil || !res2.NeedMFA {
			t.Fatalf("second login: %+v %v", res2, err)
		}
		if err := a.VerifyMFA(ctx, res2.Token, code, "ip"); !errors.Is(err, auth.ErrMFAWrong) {
			t.Fatalf("replayed code must fail: %v", err)
		}
		next, _ := auth.TOTPCode(secret, time.Now().Add(30*time.Second))
		if err := a.VerifyMFA(ctx, res2.Token, next, "ip"); err != nil {
			t.Fatalf("next code: %v", err)
		}
	})
}

// Wrong second-factor codes count like wrong passwords, and entering the
// right password again does not start the count anew.
func TestWrongSecondFactorCodesLock(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		a := w.App.Auth
		if _, err := a.CreateUser(ctx, auth.System("test"), auth.NewUser{Username: "sec3", DisplayName: "安全员", Password: apptest.Password, Roles: []auth.Role{auth.RoleSecurityAdmin}}); err != nil {
			t.Fatal(err)
		}
		res, _ := a.Login(ctx, "sec3", apptest.Password, "ip", "ua", auth.KindAPI)
		secret, _, _ := a.BeginEnrol(ctx, res.Principal)
		code, _ := auth.TOTPCode(secret, time.Now())
		if err := a.ConfirmEnrol(ctx, res.Token, res.Principal, code); err != nil {
			t.Fatal(err)
		}
		// One wrong password first: it counts towards the same lock.
		if _, err := a.Login(ctx, "sec3", "wrong", "ip", "ua", auth.KindAPI); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatal(err)
		}
		var last error
		var token string
		for i := 0; i < 4; i++ {
			res, err := a.Login(ctx, "sec3", apptest.Password, "ip", "ua", auth.KindAPI)
			if err != nil || !res.NeedMFA {
				t.Fatalf("password %d: %+v %v", i, res, err)
			}
			token = res.Token
			last = a.VerifyMFA(ctx, res.Token, "abcdef", "ip")
			if i < 3 && !errors.Is(last, auth.ErrMFAWrong) {
				t.Fatalf("wrong code %d: %v", i, last)
			}
		}
		var locked *auth.LockedError
		if !errors.As(last, &locked) || !strings.Contains(locked.Error(), "15 分钟") {
			t.Fatalf("the 5th failure must lock: %v", last)
		}
		now, _ := auth.TOTPCode(secret, time.Now().Add(30*time.Second))
		if err := a.VerifyMFA(ctx, token, now, "ip"); !errors.Is(err, auth.ErrSessionExpired) {
			t.Fatalf("the waiting login survived the lock: %v", err)
		}
		if _, err := a.Login(ctx, "sec3", apptest.Password, "ip", "ua", auth.KindAPI); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("locked account: %v", err)
		}
		_, n, _ := audit.Search(ctx, w.DB.Reader(), audit.Filter{Action: "login_failed", Actor: "sec3"})
		if n != 6 { // 1 password, 4 codes, 1 while locked
			t.Fatalf("failed logins audited: %d", n)
		}
		// Once the lock has run out the count starts again, and a right code
		// completes a login and clears it.
		if _, err := w.DB.ExecContext(ctx, `UPDATE auth_user SET locked_until = 1 WHERE username = 'sec3'`); err != nil {
			t.Fatal(err)
		}
		res, err := a.Login(ctx, "sec3", apptest.Password, "ip", "ua", auth.KindAPI)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.VerifyMFA(ctx, res.Token, now, "ip"); err != nil {
			t.Fatalf("right code after the lock: %v", err)
		}
	})
}

func TestSeparationOfDutiesAndScopeLevels(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		sys := auth.System("test")
		bad := []auth.NewUser{
			{Username: "x1", DisplayName: "x", Password: apptest.Password, Roles: []auth.Role{auth.RoleSysAdmin, auth.RoleAuditAdmin}},
			{Username: "x2", DisplayName: "x", Password: apptest.Password, Roles: []auth.Role{auth.RoleAuditAdmin, auth.RoleStreetAdmin}, Scope: []int64{w.Street}},
			{Username: "x3", DisplayName: "x", Password: apptest.Password, Roles: []auth.Role{auth.RoleGridWorker}, Scope: []int64{w.C1}},
			{Username: "x4", DisplayName: "x", Password: apptest.Password, Roles: []auth.Role{auth.RoleCommunityAdmin}},
			{Username: "x5", DisplayName: "x", Password: apptest.Password, Roles: []auth.Role{auth.RoleSysAdmin}, Scope: []int64{w.Street}},
			{Username: "x6", DisplayName: "x", Password: "short", Roles: []auth.Role{auth.RoleVolunteer}, Scope: []int64{w.GridA}},
			{Username: "1bad", DisplayName: "x", Password: apptest.Password, Roles: []auth.Role{auth.RoleVolunteer}, Scope: []int64{w.GridA}},
			{Username: "volunteer", DisplayName: "x", Password: apptest.Password, Roles: []auth.Role{auth.RoleVolunteer}, Scope: []int64{w.GridA}},
		}
		for _, nu := range bad {
			_, err := w.App.Auth.CreateUser(ctx, sys, nu)
			var verrs *i18n.Errors
			if !errors.As(err, &verrs) {
				t.Errorf("%s must be refused with field errors, got %v", nu.Username, err)
				continue
			}
			for _, f := range verrs.Fields {
				if !hasHan(f.Msg.String()) {
					t.Errorf("%s: message not in Chinese: %q", nu.Username, f.Msg.String())
				}
			}
		}
		// Only the system administrator creates accounts.
		p, _ := w.App.Auth.Login(ctx, "street_admin", apptest.Password, "ip", "ua", auth.KindWeb)
		if _, err := w.App.Auth.CreateUser(ctx, p.Principal, auth.NewUser{Username: "y1", DisplayName: "y", Password: apptest.Password, Roles: []auth.Role{auth.RoleVolunteer}, Scope: []int64{w.GridA}}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("street admin created an account: %v", err)
		}
	})
}

func TestUpdateEndsSessionsAndNarrowsScope(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		a := w.App.Auth
		res, _ := a.Login(ctx, "community_admin", apptest.Password, "ip", "ua", auth.KindWeb)
		if err := a.UpdateUser(ctx, auth.System("t"), w.Users["community_admin"], auth.UserUpdate{DisplayName: "改名", Roles: []auth.Role{auth.RoleGridWorker}, Scope: []int64{w.GridB}}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Authenticate(ctx, res.Token, "ip"); !errors.Is(err, auth.ErrSessionExpired) {
			t.Fatalf("old session must end: %v", err)
		}
		res2, _ := a.Login(ctx, "community_admin", apptest.Password, "ip", "ua", auth.KindWeb)
		sc := res2.Principal.Scope
		if sc.Allows(w.C1, w.GridA) || !sc.Allows(w.C1, w.GridB) || sc.AllowsCommunity(w.C1) {
			t.Fatalf("new scope: %+v", sc)
		}
	})
}

func TestTOTPKnownVector(t *testing.T) {
	// RFC 6238 test secret "12345678901234567890" (base32 below) at 59 s → 287082 (6 digits of 94287082).
	code, err := auth.TOTPCode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", time.Unix(59, 0))
	if err != nil || code != "287082" {
		t.Fatalf("got %s %v", code, err)
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// An account is read with all its roles and scope roots, in order, wherever it
// is read: by id, by name, in the administrators' list and by its session.
func TestAccountsCarryEveryRoleAndScopeRoot(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		a := w.App.Auth
		sys := auth.System("test")
		roots := []int64{max(w.GridA, w.GridB), min(w.GridA, w.GridB)}
		id, err := a.CreateUser(ctx, sys, auth.NewUser{Username: "twohats", DisplayName: "双岗", Password: apptest.Password,
			Roles: []auth.Role{auth.RoleVolunteer, auth.RoleGridWorker}, Scope: roots})
		if err != nil {
			t.Fatal(err)
		}
		wantRoles := []auth.Role{auth.RoleGridWorker, auth.RoleVolunteer}
		wantRoots := []int64{roots[1], roots[0]}
		check := func(how string, u *auth.User) {
			t.Helper()
			if !slices.Equal(u.Roles, wantRoles) || !slices.Equal(u.ScopeRoots, wantRoots) {
				t.Fatalf("%s: roles %v, scope roots %v; want %v, %v", how, u.Roles, u.ScopeRoots, wantRoles, wantRoots)
			}
		}
		u, err := a.GetUser(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		check("by id", u)
		if u, err = a.GetUserByName(ctx, "twohats"); err != nil {
			t.Fatal(err)
		}
		check("by name", u)
		list, _, err := a.ListUsers(ctx, sys, auth.UserFilter{Q: "twohats"})
		if err != nil || len(list) != 1 {
			t.Fatalf("list: %v %v", list, err)
		}
		check("listed", list[0])
		res, err := a.Login(ctx, "twohats", apptest.Password, "ip", "ua", auth.KindWeb)
		if err != nil {
			t.Fatal(err)
		}
		p, err := a.Authenticate(ctx, res.Token, "ip")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.Roles, wantRoles) || !p.Scope.Allows(w.C1, w.GridA) || !p.Scope.Allows(w.C1, w.GridB) || p.Scope.AllowsCommunity(w.C1) {
			t.Fatalf("session: roles %v, scope %+v", p.Roles, p.Scope)
		}
	})
}

// Changing one's own password ends the account's other sessions (a stolen
// session dies with the old password) and keeps the one that changed it; an
// administrator's reset ends them all.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		a := w.App.Auth
		here, err := a.Login(ctx, "grid_worker", apptest.Password, "ip", "ua", auth.KindWeb)
		if err != nil {
			t.Fatal(err)
		}
		there, err := a.Login(ctx, "grid_worker", apptest.Password, "ip2", "ua", auth.KindWeb)
		if err != nil {
			t.Fatal(err)
		}
		p, err := a.Authenticate(ctx, here.Token, "ip")
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SetPassword(ctx, p, p.UserID, "Hz7!mnbvq2", false); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Authenticate(ctx, there.Token, "ip2"); !errors.Is(err, auth.ErrSessionExpired) {
			t.Fatalf("the other session after a password change: %v", err)
		}
		if _, err := a.Authenticate(ctx, here.Token, "ip"); err != nil {
			t.Fatalf("the session that changed the password: %v", err)
		}
		admin := w.Principal(t, "sys_admin")
		if err := a.SetPassword(ctx, admin, p.UserID, "Kq5#wertzu9", true); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Authenticate(ctx, here.Token, "ip"); !errors.Is(err, auth.ErrSessionExpired) {
			t.Fatalf("a session after an administrator's reset: %v", err)
		}
	})
}
