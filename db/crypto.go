package db

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// masterKeyLen is an AES-256 key.
const masterKeyLen = 32

// keyFileHeader starts every key file, so a wrong file is recognised as
// such rather than decoded as a key.
const keyFileHeader = "two-factor master key v1"

// sealer encrypts seeds with AES-256-GCM. Each ciphertext is
// version || nonce || sealed, and the owning device's id is bound in as
// associated data so a ciphertext copied to another row does not decrypt.
type sealer struct {
	aead        cipher.AEAD
	fingerprint string
}

const sealVersion = 1

func newSealer(key []byte) (*sealer, error) {
	if len(key) != masterKeyLen {
		return nil, fmt.Errorf("master key is %d bytes, expected %d", len(key), masterKeyLen)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead, fingerprint: fingerprint(key)}, nil
}

// fingerprint identifies a key without revealing it: an HMAC of a fixed
// label under the key. Stored in the database to refuse a wrong key file.
func fingerprint(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("two-factor key fingerprint v1"))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func deviceAAD(id int64) []byte {
	return []byte("two-factor device secret v1|" + strconv.FormatInt(id, 10))
}

// sealHook lets tests count encryptions.
var sealHook func(id int64)

func (s *sealer) seal(id int64, plain []byte) ([]byte, error) {
	if sealHook != nil {
		sealHook(id)
	}
	ns := s.aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plain)+s.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1 : 1+ns]); err != nil {
		return nil, err
	}
	return s.aead.Seal(out, out[1:1+ns], plain, deviceAAD(id)), nil
}

var errUndecryptable = errors.New("secret does not decrypt with this master key (wrong key, or the row was tampered with)")

func (s *sealer) open(id int64, blob []byte) ([]byte, error) {
	ns := s.aead.NonceSize()
	if len(blob) < 1+ns+s.aead.Overhead() || blob[0] != sealVersion {
		return nil, errUndecryptable
	}
	plain, err := s.aead.Open(nil, blob[1:1+ns], blob[1+ns:], deviceAAD(id))
	if err != nil {
		return nil, errUndecryptable
	}
	return plain, nil
}

// newMasterKey returns fresh random key material.
func newMasterKey() ([]byte, error) {
	k := make([]byte, masterKeyLen)
	_, err := rand.Read(k)
	return k, err
}

// readKeyFile loads a key file, refusing one that others can read: it is
// the only thing standing between a copy of the database and every seed.
func readKeyFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrKeyMissing, path)
		}
		return nil, fmt.Errorf("master key file %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("master key file %s is not a regular file", path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("master key file %s can be read by other users (mode %04o); run: chmod 600 %s", path, st.Mode().Perm(), path)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("master key file %s: %w", path, err)
	}
	head, body, ok := strings.Cut(strings.TrimSpace(string(raw)), "\n")
	if !ok || strings.TrimSpace(head) != keyFileHeader {
		return nil, fmt.Errorf("%s is not a two-factor master key file", path)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(body))
	if err != nil || len(key) != masterKeyLen {
		return nil, fmt.Errorf("master key file %s is damaged", path)
	}
	return key, nil
}

// writeKeyFile creates path (never overwriting) with mode 0600 and syncs it.
func writeKeyFile(path string, key []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating the directory for the master key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("creating master key file: %w", err)
	}
	content := keyFileHeader + "\n" + base64.StdEncoding.EncodeToString(key) + "\n"
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("writing master key file %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("writing master key file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func dirOf(path string) string { return filepath.Dir(path) }
