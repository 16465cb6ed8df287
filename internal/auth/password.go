package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/crypto/argon2"

	"linli/internal/i18n"
)

// Argon2id parameters: OWASP's memory-hard baseline (19 MiB, 2 passes), about
// 30 ms on the target machines.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an encoded argon2id hash with a random salt.
func HashPassword(pw string) string {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic(err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// CheckPassword reports whether pw matches an encoded hash, in constant time.
func CheckPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when the user does not exist, so that the time a
// failed login takes does not reveal whether the name is an account.
var dummyHash = HashPassword("linli-timing-equaliser")

// PasswordRules is the policy: at least 8 characters of at least 3 kinds
// (lower case, upper case, digits, other), not containing the user name.
func PasswordRules(username, pw string) *i18n.Errors {
	errs := &i18n.Errors{}
	if len([]rune(pw)) < 8 {
		errs.Add("password", "auth.pw_too_short")
		return errs
	}
	if len(pw) > 256 {
		errs.Add("password", "err.too_long", "field", i18n.T("auth.password"), "max", 256)
		return errs
	}
	var lower, upper, digit, other bool
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	kinds := 0
	for _, k := range []bool{lower, upper, digit, other} {
		if k {
			kinds++
		}
	}
	if kinds < 3 {
		errs.Add("password", "auth.pw_kinds")
	}
	if username != "" && strings.Contains(strings.ToLower(pw), strings.ToLower(username)) {
		errs.Add("password", "auth.pw_contains_username")
	}
	return errs
}
