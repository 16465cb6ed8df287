package auth

import (
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
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
// (lower case, upper case, digits, other), not containing the user name
// (forwards or backwards), and not one of the most common passwords or a
// keyboard run (commonPassword), whatever its kinds.
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
	if username != "" && (strings.Contains(strings.ToLower(pw), strings.ToLower(username)) || strings.Contains(strings.ToLower(pw), reverse(strings.ToLower(username)))) {
		errs.Add("password", "auth.pw_contains_username")
	} else if !errs.Any() && commonPassword(pw) {
		errs.Add("password", "auth.pw_common")
	}
	return errs
}

//go:embed common_passwords.txt
var commonPasswordsTxt string

// commonPasswords is the embedded list, lower case.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(commonPasswordsTxt, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			m[strings.ToLower(l)] = true
		}
	}
	return m
}()

// keyboardRuns are the sequences people walk along: keyboard rows and the
// columns beside them (1qaz, 2wsx), the alphabet and the digits. A run is three
// or more neighbours in either direction.
var keyboardRuns = []string{
	"`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./",
	"1qaz", "2wsx", "3edc", "4rfv", "5tgb", "6yhn", "7ujm", "8ik,", "9ol.", "0p;/",
	"abcdefghijklmnopqrstuvwxyz", "0123456789",
}

// unshift maps a shifted key to the key it is on, so that "!@#$" walks like "1234".
var unshift = strings.NewReplacer("~", "`", "!", "1", "@", "2", "#", "3", "$", "4", "%", "5", "^", "6", "&", "7", "*", "8", "(", "9", ")", "0",
	"_", "-", "+", "=", "{", "[", "}", "]", "|", "\\", ":", ";", "\"", "'", "<", ",", ">", ".", "?", "/")

// inRun reports whether s (three or more keys) is a run of one sequence, or
// the same key repeated.
func inRun(s string) bool {
	if strings.Count(s, s[:1]) == len(s) {
		return true
	}
	rev := []byte(s)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	for _, k := range keyboardRuns {
		if strings.Contains(k, s) || strings.Contains(k, string(rev)) {
			return true
		}
	}
	return false
}

// commonPassword reports whether pw is on the embedded list, or is made of
// keyboard runs and repeats (each at least three keys) with at most two other
// characters: Qwer1234, 1qaz@WSX, Asdf!234, Aa123456, Abc12345.
func commonPassword(pw string) bool {
	low := strings.ToLower(pw)
	if commonPasswords[low] || commonPasswords[strings.TrimRight(low, "!@#$%^&*.?~_-+= ")] {
		return true
	}
	k := unshift.Replace(low)
	if len(k) != len(low) || !isASCII(k) {
		return false // other scripts walk no keyboard
	}
	// left[i]: the fewest characters of k[:i] outside runs.
	n := len(k)
	left := make([]int, n+1)
	for i := 1; i <= n; i++ {
		left[i] = left[i-1] + 1
		for j := 0; j+3 <= i; j++ {
			if left[j] < left[i] && inRun(k[j:i]) {
				left[i] = left[j]
			}
		}
	}
	return left[n] <= 2
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}
