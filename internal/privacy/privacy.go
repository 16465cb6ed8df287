// Package privacy holds the primitives behind PIPL-style handling of personal data:
// authenticated encryption of sensitive values at rest, a keyed hash for exact
// lookups without decrypting, and the masks shown by default.
package privacy

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length of the master key in bytes.
const KeySize = 32

// Keys are derived from one master key: one for encryption, one for lookup hashes.
type Keys struct {
	aead cipher.AEAD
	mac  []byte
}

// NewKeys derives the working keys from a master key.
func NewKeys(master []byte) (*Keys, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("master key must be %d bytes, got %d", KeySize, len(master))
	}
	encKey, err := hkdf.Key(sha256.New, master, nil, "linli/encrypt/v1", 32)
	if err != nil {
		return nil, err
	}
	macKey, err := hkdf.Key(sha256.New, master, nil, "linli/lookup/v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Keys{aead: aead, mac: macKey}, nil
}

const sealVersion = 1

// Seal encrypts plaintext with AES-256-GCM. aad binds the ciphertext to its place
// (e.g. "person.id_number") so that a value copied into another column fails to open.
func (k *Keys) Seal(plaintext, aad string) []byte {
	if plaintext == "" {
		return nil
	}
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	out := make([]byte, 0, 1+len(nonce)+len(plaintext)+k.aead.Overhead())
	out = append(out, sealVersion)
	out = append(out, nonce...)
	return k.aead.Seal(out, nonce, []byte(plaintext), []byte(aad))
}

// ErrTampered means a sealed value did not authenticate: wrong key or altered data.
var ErrTampered = errors.New("sealed value does not authenticate (wrong key or altered data)")

// Open decrypts what Seal produced.
func (k *Keys) Open(sealed []byte, aad string) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	ns := k.aead.NonceSize()
	if len(sealed) < 1+ns+k.aead.Overhead() || sealed[0] != sealVersion {
		return "", ErrTampered
	}
	pt, err := k.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], []byte(aad))
	if err != nil {
		return "", ErrTampered
	}
	return string(pt), nil
}

// Lookup returns the keyed hash used to find a value exactly (hex, 32 chars):
// equal inputs give equal hashes, and without the key the hash reveals nothing.
func (k *Keys) Lookup(kind, value string) string {
	m := hmac.New(sha256.New, k.mac)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// GenerateKeyFile writes a new random master key to path (mode 0600). It refuses
// to overwrite an existing file: losing a key loses every encrypted value.
func GenerateKeyFile(path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("key file %s already exists; refusing to overwrite it", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	body := "# Linli master key. Back it up separately from the database: without it\n" +
		"# encrypted values (ID numbers, phones) cannot be read.\n" + hex.EncodeToString(key) + "\n"
	return os.WriteFile(path, []byte(body), 0o600)
}

// LoadKeyFile reads a master key written by GenerateKeyFile.
func LoadKeyFile(path string) (*Keys, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseKey(string(raw))
}

// ParseKey reads a master key in hex, ignoring '#' comment lines (also used for
// the LINLI_KEY environment variable).
func ParseKey(text string) (*Keys, error) {
	var hexKey string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		hexKey = line
		break
	}
	key, err := hex.DecodeString(hexKey)
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("key must be %d hex characters", KeySize*2)
	}
	return NewKeys(key)
}

// Derive returns a 32-byte key for another purpose (the audit chain, session
// secrets), independent of the encryption and lookup keys.
func (k *Keys) Derive(purpose string) []byte {
	m := hmac.New(sha256.New, k.mac)
	m.Write([]byte("derive:" + purpose))
	return m.Sum(nil)
}
