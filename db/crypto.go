package db

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/two-factor/two-factor/inputfile"
	"github.com/two-factor/two-factor/otpcore"
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
	nonceSize   int // the aead's, read once: open is on every login's path
	overhead    int
	fingerprint string
	// auditKey MACs the audit chain; derived (HKDF) from the master key
	// under its own label, so it reveals nothing about the seeds' key.
	auditKey []byte
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
	auditKey, err := deriveAuditKey(key)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead, nonceSize: aead.NonceSize(), overhead: aead.Overhead(), fingerprint: fingerprint(key), auditKey: auditKey}, nil
}

// fingerprint identifies a key without revealing it: an HMAC of a fixed
// label under the key. Stored in the database to refuse a wrong key file.
func fingerprint(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("two-factor key fingerprint v1"))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

const deviceAADPrefix = "two-factor device secret v1|"

func deviceAAD(id int64) []byte {
	return strconv.AppendInt([]byte(deviceAADPrefix), id, 10)
}

// sealHook lets tests count encryptions.
var sealHook func(id int64)

func (s *sealer) seal(id int64, plain []byte) ([]byte, error) {
	if sealHook != nil {
		sealHook(id)
	}
	return s.sealAAD(deviceAAD(id), plain)
}

// sealAAD encrypts plain bound to aad (what the ciphertext belongs to).
func (s *sealer) sealAAD(aad, plain []byte) ([]byte, error) {
	ns := s.nonceSize
	out := make([]byte, 1+ns, 1+ns+len(plain)+s.overhead)
	out[0] = sealVersion
	if _, err := rand.Read(out[1 : 1+ns]); err != nil {
		return nil, err
	}
	return s.aead.Seal(out, out[1:1+ns], plain, aad), nil
}

var errUndecryptable = errors.New("secret does not decrypt with this master key (wrong key, or the row was tampered with)")

// open decrypts a device's seed into a new buffer holding just the seed.
// The associated data is written into a pooled buffer whose prefix was
// written when it was made (see aadBuffers).
func (s *sealer) open(id int64, blob []byte) ([]byte, error) {
	p := seedAADs.get()
	defer seedAADs.put(p)
	aad := strconv.AppendInt((*p)[:len(deviceAADPrefix)], id, 10)
	return s.openInto(make([]byte, 0, s.plainLen(blob)), aad, blob)
}

// plainLen is how long blob's plaintext is (0 for a blob too short to be
// one: openInto refuses it).
func (s *sealer) plainLen(blob []byte) int {
	return max(len(blob)-1-s.nonceSize-s.overhead, 0)
}

// aadBuffers pools buffers for the associated data of one kind of
// ciphertext, each made with its fixed prefix already in place: an open
// writes only the device's part. The associated data goes to the AEAD
// through an interface, so a buffer on the stack would escape to a new
// allocation on every login.
type aadBuffers struct {
	prefix string
	pool   sync.Pool
}

func newAADBuffers(prefix string, tail int) *aadBuffers {
	a := &aadBuffers{prefix: prefix}
	a.pool.New = func() any {
		b := append(make([]byte, 0, len(prefix)+tail), prefix...)
		return &b
	}
	return a
}

func (a *aadBuffers) get() *[]byte  { return a.pool.Get().(*[]byte) }
func (a *aadBuffers) put(p *[]byte) { a.pool.Put(p) }

// maxIDDigits is the longest int64 in decimal, with its sign.
const maxIDDigits = 20

var (
	seedAADs  = newAADBuffers(deviceAADPrefix, maxIDDigits)
	keyedAADs = newAADBuffers(keyedAADPrefix, 1+8+gcmNonceSize)
)

// gcmNonceSize is the nonce size of cipher.NewGCM, which newSealer uses.
const gcmNonceSize = 12

// keyedAADPrefix starts the associated data of a device's keyed HMAC
// state (otpcore.AppendKeyedState), followed by the algorithm, the device
// id as 8 bytes and the nonce of the sealed seed beside it: another
// purpose than the seed's, so a seed's ciphertext and a state's can never
// stand in for each other, nor one device's for another's; and bound to
// that one sealing of the seed, so a state can never open beside another
// seed (re-seeded, or an older copy put back), whatever statement wrote
// the row. (v1 states, bound to no seed, are dropped by migration 8.)
const keyedAADPrefix = "two-factor device keyed hmac v2|"

// appendKeyedTail appends what follows keyedAADPrefix for a device whose
// sealed seed is seedBlob (the row's secret); false if seedBlob is too
// short to be one.
func (s *sealer) appendKeyedTail(dst []byte, id int64, alg otpcore.Algorithm, seedBlob []byte) ([]byte, bool) {
	if len(seedBlob) < 1+s.nonceSize {
		return dst, false
	}
	dst = binary.BigEndian.AppendUint64(append(dst, byte(alg)), uint64(id))
	return append(dst, seedBlob[1:1+s.nonceSize]...), true
}

// sealKeyed encrypts a device's keyed HMAC state, bound to the sealed
// seed it was made from.
func (s *sealer) sealKeyed(id int64, alg otpcore.Algorithm, seedBlob, state []byte) ([]byte, error) {
	if sealHook != nil {
		sealHook(id)
	}
	aad, ok := s.appendKeyedTail([]byte(keyedAADPrefix), id, alg, seedBlob)
	if !ok {
		return nil, errUndecryptable
	}
	return s.sealAAD(aad, state)
}

// openKeyed decrypts a device's sealed keyed state in place: the state
// overwrites blob's ciphertext, so blob must be the caller's own copy (a
// row just read), no longer needed sealed. A login's decryption thus
// allocates nothing. seedBlob is the sealed seed beside it (only its nonce
// is read: the seed is not decrypted).
func (s *sealer) openKeyed(id int64, alg otpcore.Algorithm, seedBlob, blob []byte) ([]byte, error) {
	p := keyedAADs.get()
	defer keyedAADs.put(p)
	aad, ok := s.appendKeyedTail((*p)[:len(keyedAADPrefix)], id, alg, seedBlob)
	if !ok || len(blob) < 1+s.nonceSize {
		return nil, errUndecryptable
	}
	ciphertext := blob[1+s.nonceSize:]
	return s.openInto(ciphertext[:0], aad, blob)
}

func (s *sealer) openAAD(aad, blob []byte) ([]byte, error) {
	return s.openInto(nil, aad, blob)
}

// openInto appends the plaintext of blob to dst.
func (s *sealer) openInto(dst, aad, blob []byte) ([]byte, error) {
	ns := s.nonceSize
	if len(blob) < 1+ns+s.overhead || blob[0] != sealVersion {
		return nil, errUndecryptable
	}
	plain, err := s.aead.Open(dst, blob[1:1+ns], blob[1+ns:], aad)
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

// maxKeyFileBytes bounds a key file: ours are 70 bytes, so anything near
// this is not one, and a runaway file is never read whole.
const maxKeyFileBytes = 4096

// readKeyFile loads a key file, refusing one that others can read: it is
// the only thing standing between a copy of the database and every seed.
// The checks are made on the file opened, never on the path before the
// open: a file swapped in between would get past them. A symbolic link in
// the key file's place is refused (O_NOFOLLOW) for the same reason.
func readKeyFile(path string) ([]byte, error) {
	f, st, err := inputfile.Open(path, syscall.O_NOFOLLOW)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("%w: %s", ErrKeyMissing, path)
		case errors.Is(err, syscall.ELOOP):
			return nil, fmt.Errorf("master key file %s is a symbolic link; give the path of the key file itself", path)
		}
		return nil, fmt.Errorf("master key file %s: %w", path, err)
	}
	defer f.Close()
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("master key file %s is not a regular file", path)
	}
	if err := checkOwnedStat("master key file", path, st, euid()); err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("master key file %s can be read by other users (mode %04o); run: chmod 600 %s", path, st.Mode().Perm(), path)
	}
	raw, err := inputfile.ReadOpen(f, st, maxKeyFileBytes)
	if err != nil {
		return nil, fmt.Errorf("master key file: %w", err)
	}
	defer clear(raw)
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

// writeKeyFile creates path (never overwriting) with mode 0600 and syncs
// it. The key is written to a temporary file that is linked into place
// when complete, so another process never reads a half-written key file
// (the key recovery protocol in rekey.go relies on it).
func writeKeyFile(path string, key []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating the directory for the master key: %w", err)
	}
	if err := checkDirectory(dir, path, euid()); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".two-factor-key-*") // mode 0600
	if err != nil {
		return fmt.Errorf("creating master key file: %w", err)
	}
	defer os.Remove(f.Name())
	content := keyFileHeader + "\n" + base64.StdEncoding.EncodeToString(key) + "\n"
	_, err = f.WriteString(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing master key file %s: %w", path, err)
	}
	if err := os.Link(f.Name(), path); err != nil {
		return fmt.Errorf("creating master key file: %w", err)
	}
	return syncDir(dir)
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
