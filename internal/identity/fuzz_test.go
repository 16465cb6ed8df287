package identity

import (
	"errors"
	"testing"
	"unicode/utf8"

	"linli/internal/i18n"
)

func FuzzParseID(f *testing.F) {
	for _, s := range []string{
		"11010519491231002X", "11010519491231002x", "440524188001010014", "110105491231002",
		"１１０１０５１９４９１２３１００２ｘ", " 610104620927690 ", "810000199408230021",
		"110105194912310021", "1.10105E+17", "", "X", "11010519491331002X", "\u200b",
		"110105 19491231 002x", "110105-19491231-002X", "110105\u300019491231\u00a0002X", "610104 620927 690", "-", "\u00a0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []func(string) (*ID, error){ParseID, ParseHMTResidence} {
			id, err := parse(s)
			if err != nil {
				if id != nil {
					t.Fatalf("%q: both an ID and an error", s)
				}
				var e *i18n.Error
				if !errors.As(err, &e) || e.Code != "validation" || err.Error() == "" {
					t.Fatalf("%q: error %v is not a validation message", s, err)
				}
				continue
			}
			n := id.Number
			if len(n) != 18 {
				t.Fatalf("%q: number %q is not 18 characters", s, n)
			}
			c, ok := CheckChar(n[:17])
			if !ok || c != n[17] {
				t.Fatalf("%q: accepted %q with a wrong check character", s, n)
			}
			again, err := parse(n)
			if err != nil {
				t.Fatalf("%q: accepted as %q, which does not re-parse: %v", s, n, err)
			}
			if again.Upgraded {
				t.Fatalf("%q: canonical number %q counted as upgraded", s, n)
			}
			again.Upgraded = id.Upgraded
			if *again != *id {
				t.Fatalf("%q: re-parse of %q differs:\n%+v\n%+v", s, n, *id, *again)
			}
			if id.Sex != Male && id.Sex != Female || id.RegionName == "" || len(id.BirthDate) != 10 {
				t.Fatalf("%q: incomplete %+v", s, *id)
			}
		}
		// The other document kinds must not panic either.
		for _, kind := range Kinds {
			n, _, err := ValidateDocument(kind, s)
			if err == nil && !utf8.ValidString(n) {
				t.Fatalf("%s %q: invalid UTF-8 %q", kind, s, n)
			}
		}
	})
}

func FuzzParseMobile(f *testing.F) {
	for _, s := range []string{
		"13800138000", "+86 138 0013 8000", "008613800138000", "8613800138000", "(+86)13800138000",
		"１３８００１３８０００", "0571-88001234", "", "+86", "86", "(+86)", "400-810-8888", "0571-88001234转123",
		"138\u00a00013\u00a08000", "138－0013－8000", "+86\u3000138 0013 8000", "0571\u00a088001234", "\u2014", "0571 8800 1234", "8800-1234", "021-6234-567",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMobile(s)
		if err == nil {
			if len(m) != 11 || m[0] != '1' || m[1] < '3' || !allDigits(m) {
				t.Fatalf("%q: accepted %q", s, m)
			}
			if again, err := ParseMobile(m); err != nil || again != m {
				t.Fatalf("%q: %q does not re-parse: %q, %v", s, m, again, err)
			}
		}
		l, err := ParseLandline(s)
		if err == nil {
			if again, err := ParseLandline(l); err != nil || again != l {
				t.Fatalf("%q: landline %q does not re-parse: %q, %v", s, l, again, err)
			}
		}
	})
}
