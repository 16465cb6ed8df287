package privacy

import (
	"path/filepath"
	"testing"
)

func TestSealOpenRoundTripAndTamper(t *testing.T) {
	k, err := NewKeys(make([]byte, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	sealed := k.Seal("11010519491231002X", "person.id_number")
	if got, err := k.Open(sealed, "person.id_number"); err != nil || got != "11010519491231002X" {
		t.Fatalf("open = %q, %v", got, err)
	}
	if _, err := k.Open(sealed, "person.phone"); err == nil {
		t.Fatal("value moved to another column must not open")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := k.Open(sealed, "person.id_number"); err == nil {
		t.Fatal("altered ciphertext must not open")
	}
	if a, b := k.Seal("x", "a"), k.Seal("x", "a"); string(a) == string(b) {
		t.Fatal("sealing must be randomised")
	}
}

func TestLookupIsKeyed(t *testing.T) {
	k1, _ := NewKeys(make([]byte, KeySize))
	other := make([]byte, KeySize)
	other[0] = 1
	k2, _ := NewKeys(other)
	if a, b := k1.Lookup("id", "1"), k1.Lookup("id", "1"); a != b {
		t.Fatal("lookup must be deterministic")
	}
	if k1.Lookup("id", "1") == k2.Lookup("id", "1") {
		t.Fatal("lookup must depend on the key")
	}
	if k1.Lookup("id", "1") == k1.Lookup("phone", "1") {
		t.Fatal("lookup must depend on the kind")
	}
}

func TestKeyFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "k", "linli.key")
	if err := GenerateKeyFile(p); err != nil {
		t.Fatal(err)
	}
	if err := GenerateKeyFile(p); err == nil {
		t.Fatal("must refuse to overwrite a key")
	}
	if _, err := LoadKeyFile(p); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseKey("abcd"); err == nil {
		t.Fatal("short key must be refused")
	}
}

func TestMasks(t *testing.T) {
	cases := []struct{ got, want string }{
		{MaskIDNumber("110105194912311234"), "110***********1234"},
		{MaskIDNumber("11010519491231002X"), "110***********002X"},
		{MaskPhone("13812345678"), "138****5678"},
		{MaskPhone("+8613812345678"), "+86 138****5678"},
		{MaskGeneric("E12345678"), "*****5678"},
		{MaskIDNumber("1234"), "**34"},
		{MaskIDNumber(""), ""},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q want %q", c.got, c.want)
		}
	}
}
