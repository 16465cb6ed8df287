package identity

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"linli/internal/i18n"
)

func TestValidateDocumentGood(t *testing.T) {
	fixedNow(t)
	tests := []struct {
		kind, in, want string
		hasID          bool
	}{
		{KindIDCard, " 11010519491231002x ", "11010519491231002X", true},
		{KindIDCard, "110105491231002", "11010519491231002X", true},
		{KindHMTResidence, "810000199408230021", "810000199408230021", true},
		{KindHMTResidence, "８３００００１９９２０１３０００２２", "830000199201300022", true},
		{KindForeignPermanent, "911840198001010013", "911840198001010013", false},
		{KindForeignPermanent, " usa110068061201 ", "USA110068061201", false},
		{KindForeignPermanent, "ＣＡＮ３１００７５０１０１５１", "CAN310075010151", false},
		{KindPassport, "e12345678", "E12345678", false},
		{KindPassport, "Ｇ１２３４５６７８", "G12345678", false},
		{KindPassport, "AB123", "AB123", false},
		{KindOther, "  军官证 第 2024001 号  ", "军官证 第 2024001 号", false},
		{KindOther, strings.Repeat("证", MaxOtherLength), strings.Repeat("证", MaxOtherLength), false},
	}
	for _, tc := range tests {
		n, id, err := ValidateDocument(tc.kind, tc.in)
		if err != nil {
			t.Errorf("ValidateDocument(%s, %q): %v", tc.kind, tc.in, err)
			continue
		}
		if n != tc.want || (id != nil) != tc.hasID {
			t.Errorf("ValidateDocument(%s, %q) = %q, %+v; want %q", tc.kind, tc.in, n, id, tc.want)
		}
		if id != nil && id.Number != n {
			t.Errorf("ValidateDocument(%s, %q): ID number %s differs from %s", tc.kind, tc.in, id.Number, n)
		}
	}
}

func TestValidateDocumentBad(t *testing.T) {
	fixedNow(t)
	tests := []struct{ kind, in, key string }{
		{KindIDCard, "", "err.required"},
		{KindIDCard, "810000199408230021", "identity.id_is_hmt"},
		{KindIDCard, "110105194912310021", "identity.id_check"},
		{KindHMTResidence, "11010519491231002X", "identity.hmt_region"},
		{KindForeignPermanent, "", "err.required"},
		{KindForeignPermanent, "911840198001010014", "identity.id_check"},
		{KindForeignPermanent, "811840198001010013", "identity.fpr_format"},
		{KindForeignPermanent, "US1110068061201", "identity.fpr_format"},
		{KindForeignPermanent, "USA11006806120", "identity.fpr_format"},
		{KindPassport, "", "err.required"},
		{KindPassport, "E123", "identity.passport_length"},
		{KindPassport, strings.Repeat("A", 21), "identity.passport_length"},
		{KindPassport, "E 12345678", "identity.passport_chars"},
		{KindPassport, "E-12345678", "identity.passport_chars"},
		{KindOther, " \u3000", "err.required"},
		{KindOther, strings.Repeat("证", MaxOtherLength+1), "err.too_long"},
		{KindOther, "A\x80B", "identity.other_chars"},
		{KindOther, "第一行\n第二行", "identity.other_chars"},
		{"driving_licence", "123", "identity.kind_unknown"},
		{"", "123", "identity.kind_unknown"},
	}
	for _, tc := range tests {
		n, id, err := ValidateDocument(tc.kind, tc.in)
		if err == nil {
			t.Errorf("ValidateDocument(%s, %q) = %q, %+v; want %s", tc.kind, tc.in, n, id, tc.key)
			continue
		}
		if e := asError(t, err); e.Msg.Key != tc.key {
			t.Errorf("ValidateDocument(%s, %q): %s (%v), want %s", tc.kind, tc.in, e.Msg.Key, err, tc.key)
		}
		if n != "" || id != nil {
			t.Errorf("ValidateDocument(%s, %q) returned %q, %+v with an error", tc.kind, tc.in, n, id)
		}
		if len(tc.in) >= 15 && strings.Contains(err.Error(), strings.TrimSpace(tc.in)) {
			t.Errorf("message %q repeats the whole number", err)
		}
	}
	_, _, err := ValidateDocument(KindForeignPermanent, "911840198001010014")
	if got := err.Error(); !strings.HasPrefix(got, "永居证号码校验位不正确（按前 17 位计算应为 3）") {
		t.Errorf("message %q", got)
	}
}

func TestKindLabel(t *testing.T) {
	want := map[string]string{
		KindIDCard:           "居民身份证",
		KindHMTResidence:     "港澳台居民居住证",
		KindForeignPermanent: "外国人永久居留身份证",
		KindPassport:         "护照",
		KindOther:            "其他",
		"unknown":            "unknown",
	}
	for kind, label := range want {
		if got := KindLabel(kind); got != label {
			t.Errorf("KindLabel(%s) = %q, want %q", kind, got, label)
		}
	}
	if len(Kinds) != 5 {
		t.Errorf("Kinds = %v", Kinds)
	}
}

// TestMessagesExist checks that every message key this package names is in
// the catalogue, so that a user never sees a bare key.
func TestMessagesExist(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	keyRE := regexp.MustCompile(`"((?:identity|err)\.[a-z_]+(?:\.[a-z_A-Z]+)*)"`)
	keys := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(src), -1) {
			keys[m[1]] = true
		}
	}
	for _, k := range Kinds {
		keys["identity.kind."+k] = true
	}
	keys["identity.sex."+Male] = true
	keys["identity.sex."+Female] = true
	if len(keys) < 20 {
		t.Fatalf("found only %d keys: %v", len(keys), keys)
	}
	for k := range keys {
		if strings.HasSuffix(k, ".") {
			continue // a prefix joined with a value, enumerated above
		}
		if !i18n.Has(k) {
			t.Errorf("message key %s is not in the catalogue", k)
		}
	}
}
