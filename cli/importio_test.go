package cli

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/seedfile"
)

// oldBusyWait is the busy wait stores had before it was sized to the
// longest write the product does.
const oldBusyWait = 5 * time.Second

// holdWriteLock takes the store's write lock from a connection of its own,
// as another two-factor process in a long write would, and releases it
// after d.
func holdWriteLock(t *testing.T, path string, d time.Duration) <-chan struct{} {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	tx, err := conn.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	released := make(chan struct{})
	go func() {
		time.Sleep(d)
		tx.Rollback()
		close(released)
	}()
	return released
}

// A login that arrives while another process writes for longer than the
// old 5 s busy wait still gets its answer, instead of "store is locked".
func TestVerifyWaitsOutALongWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("holds the write lock for over 5 s")
	}
	h := newHarness(t)
	secret := h.enroll("alice")
	h.now = h.now.Add(30 * time.Second)
	released := holdWriteLock(t, filepath.Join(h.dir, "store.db"), oldBusyWait+time.Second)
	out, errs, code := h.exec(totp(t, secret, h.now)+"\n", "verify", "alice")
	<-released
	if code != ExitOK || !strings.Contains(out, "accepted") {
		t.Fatalf("verify during a %v write: exit %d %q %q", oldBusyWait+time.Second, code, out, errs)
	}
}

// endless is an input that never ends: a 200 MB code, /dev/zero through a
// pipe. It counts what was read from it.
type endless struct {
	b    byte
	read int64
}

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = e.b
	}
	e.read += int64(len(p))
	return len(p), nil
}

// A code of endless digits on standard input is refused once a line is
// longer than any answer can be, having read no more than that.
func TestHugeLineOnStdinRefused(t *testing.T) {
	h := newHarness(t)
	h.enroll("alice")
	in := &endless{b: '1'}
	var out, errb strings.Builder
	code := Execute(context.Background(), []string{"verify", "alice"}, Env{
		Stdin: in, Stdout: &out, Stderr: &errb, Now: func() time.Time { return h.now }, Getenv: h.env,
	})
	if code != ExitError || !strings.Contains(errb.String(), "standard input") || !strings.Contains(errb.String(), "longer than 4096 bytes") {
		t.Fatalf("endless code on stdin: exit %d %q", code, errb.String())
	}
	if in.read > 2*maxLineBytes {
		t.Fatalf("read %d bytes of a line limited to %d", in.read, maxLineBytes)
	}
}

// import of a device that never ends is refused without reading it, and
// an endless pipe is read only up to the seed file limit.
func TestImportOfEndlessInputRefused(t *testing.T) {
	h := newHarness(t)
	_, errs, code := h.exec("", "import", "/dev/zero")
	if code != ExitError || !strings.Contains(errs, "/dev/zero") || !strings.Contains(errs, "is a character device, not a regular file") {
		t.Fatalf("import /dev/zero: exit %d %q", code, errs)
	}
	fifo := filepath.Join(h.dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	zeros := &endless{}
	// The writer is there before the import opens the pipe, as a process
	// substitution's is: a pipe nobody writes to is refused at once.
	// (O_RDWR opens a pipe without waiting for a reader.)
	w, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	written := make(chan struct{})
	go func() {
		defer close(written)
		io.Copy(w, zeros) // ends when w is closed below
	}()
	_, errs, code = h.exec("", "import", fifo)
	w.Close()
	<-written
	if code != ExitError || !strings.Contains(errs, fifo) || !strings.Contains(errs, "larger than the 64 MiB limit") {
		t.Fatalf("import of an endless pipe: exit %d %q", code, errs)
	}
	if limit := int64(seedfile.DefaultMaxBytes); zeros.read > limit+1<<20 {
		t.Fatalf("read %d bytes from a pipe, limit %d", zeros.read, limit)
	}
}

// Password and key files are read only as far as a line can be.
func TestHugePasswordFileRefused(t *testing.T) {
	h := newHarness(t)
	big := h.file("big.txt", strings.Repeat("x", 10<<20))
	f := h.file("t.csv", azureCSV(",TK1,"+otpcore.EncodeBase32(seedA)+",30,Token2,C202"))
	for _, args := range [][]string{
		{"import", f, "--password-file", big},
		{"import", f, "--psk-file", big},
		{"export", "--password-file", big},
	} {
		_, errs, code := h.exec("", args...)
		if code != ExitError || !strings.Contains(errs, big) || !strings.Contains(errs, "larger than the 4 KiB limit") {
			t.Fatalf("%v: exit %d %q", args, code, errs)
		}
	}
}

// A CSV export opened in a spreadsheet runs nothing, and importing it
// gives back the same text.
func TestCSVExportNeutralisesFormulasAndRoundTrips(t *testing.T) {
	h := newHarness(t)
	f := h.file("t.csv", azureCSV(
		",=1+2,"+otpcore.EncodeBase32(seedA)+",30,@SUM(A1),-2+3",
		",'quoted,"+otpcore.EncodeBase32(seedB)+",30,+cmd,'=x",
	))
	h.run("import", f)
	export := h.run("export", "--format", "csv", "--plaintext")
	rows, err := csv.NewReader(strings.NewReader(export)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				if _, err := strconv.ParseInt(cell, 10, 64); err != nil {
					t.Fatalf("export cell %q would run as a formula:\n%s", cell, export)
				}
			}
		}
	}
	h2 := newHarness(t)
	h2.run("import", "--format", "csv", h2.file("export.csv", export))
	if a, b := h.tokens("--all"), h2.tokens("--all"); !reflect.DeepEqual(serialsEtc(a), serialsEtc(b)) {
		t.Fatalf("CSV round trip changed the tokens:\n%v\n%v", serialsEtc(a), serialsEtc(b))
	}
	if out := h2.run("tokens", "--all"); !strings.Contains(out, "=1+2") || !strings.Contains(out, "'quoted") || !strings.Contains(out, "'=x") {
		t.Fatalf("imported text changed:\n%s", out)
	}
}

// serialsEtc keeps the text fields of a tokens --json listing.
func serialsEtc(toks []map[string]any) [][3]any {
	var out [][3]any
	for _, tk := range toks {
		out = append(out, [3]any{tk["serial"], tk["manufacturer"], tk["model"]})
	}
	return out
}

// An export password shorter than 12 characters is refused, from a file or
// a terminal; 12 will do.
func TestExportPasswordNeedsTwelveCharacters(t *testing.T) {
	h := newHarness(t)
	h.run("import", h.file("t.csv", azureCSV(",TK1,"+otpcore.EncodeBase32(seedA)+",30,Token2,C202")))
	for _, pw := range []string{"ab", "elevenchars", "sechs€€€€€€"} { // 2, 11, 11 characters
		_, errs, code := h.exec("", "export", "--password-file", h.file("pw", pw+"\n"))
		if code != ExitError || !strings.Contains(errs, "at least 12 characters") || !strings.Contains(errs, "--generate-password") {
			t.Fatalf("export password %q: exit %d %q", pw, code, errs)
		}
	}
	h.terminal = true
	if _, errs, code := h.exec("shortpass\nshortpass\n", "export"); code != ExitError || !strings.Contains(errs, "at least 12 characters") {
		t.Fatalf("short password on a terminal: exit %d %q", code, errs)
	}
	h.terminal = false
	if _, errs, code := h.exec("", "export", "--password-file", h.file("pw", "twelve chars\n")); code != ExitOK {
		t.Fatalf("12-character password: exit %d %q", code, errs)
	}
}

// --generate-password makes a strong passphrase, shows it once on standard
// error (never in the export on standard output), and it opens the export.
func TestExportGeneratedPassword(t *testing.T) {
	h := newHarness(t)
	h.run("import", h.file("t.csv", azureCSV(",TK1,"+otpcore.EncodeBase32(seedA)+",30,Token2,C202")))
	out, errs, code := h.exec("", "export", "--generate-password")
	m := regexp.MustCompile(`passphrase[^:]*: (\S+)`).FindStringSubmatch(errs)
	if code != ExitOK || m == nil {
		t.Fatalf("export --generate-password: exit %d %q", code, errs)
	}
	pass := m[1]
	if len(pass) < 24 || strings.Contains(out, pass) {
		t.Fatalf("generated passphrase %q is short or in the export", pass)
	}
	_, errs2, _ := h.exec("", "export", "--generate-password")
	if strings.Contains(errs2, pass) {
		t.Fatal("two exports were given the same passphrase")
	}
	h2 := newHarness(t)
	h2.run("import", "--password-file", h2.file("pw", pass+"\n"), h2.file("e.pskc", out))
	if got := h2.tokens("--all"); len(got) != 1 || got[0]["serial"] != "TK1" {
		t.Fatalf("import with the generated passphrase: %v", got)
	}
	for _, args := range [][]string{{"--plaintext"}, {"--password-file", h.file("pw", "twelve chars\n")}} {
		if _, errs, code := h.exec("", append([]string{"export", "--generate-password"}, args...)...); code != ExitError || !strings.Contains(errs, "--generate-password") {
			t.Fatalf("--generate-password with %v: exit %d %q", args, code, errs)
		}
	}
}

// A passphrase is shown only for an export that was written: one shown
// before `-o FILE` turned out to exist already read as the passphrase of
// the file left there by an earlier export, which it cannot open.
func TestExportShowsNoPassphraseForAFailedExport(t *testing.T) {
	h := newHarness(t)
	h.run("import", h.file("t.csv", azureCSV(",TK1,"+otpcore.EncodeBase32(seedA)+",30,Token2,C202")))
	earlier := h.file("e.pskc", "an earlier export\n")
	_, errs, code := h.exec("", "export", "--generate-password", "-o", earlier)
	if code != ExitError || !strings.Contains(errs, "never overwrites") || strings.Contains(errs, "passphrase") {
		t.Fatalf("export onto an existing file: exit %d, stderr %q; want exit 2 and no passphrase", code, errs)
	}
	fresh := filepath.Join(h.dir, "fresh.pskc")
	if _, errs, code := h.exec("", "export", "--generate-password", "-o", fresh); code != ExitOK || !strings.Contains(errs, "Export passphrase") {
		t.Fatalf("export to a new file: exit %d, stderr %q; want the passphrase", code, errs)
	}
}

// An export is kept only when its generated passphrase was shown: with
// standard error on a full disk (2>/dev/full) or closed, the export was
// written, the passphrase lost and the exit status 0, which left an
// export nobody can open passing for a backup.
func TestExportWhosePassphraseCannotBeShownIsNotKept(t *testing.T) {
	h := newHarness(t)
	h.run("import", h.file("t.csv", azureCSV(",TK1,"+otpcore.EncodeBase32(seedA)+",30,Token2,C202")))
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full here: %v", err)
	}
	defer full.Close()
	out := filepath.Join(h.dir, "lost.pskc")
	code := Execute(context.Background(), []string{"export", "--generate-password", "-o", out}, Env{
		Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: full, Getenv: h.env,
	})
	if code == ExitOK {
		t.Errorf("export with its passphrase unshown: exit 0")
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("export with its passphrase unshown: the file is there (%v); nobody could open it", err)
	}
}

// A password file others can read is used, with a warning that says how
// to fix it.
func TestPasswordFileReadableByOthersWarns(t *testing.T) {
	h := newHarness(t)
	h.run("import", h.file("t.csv", azureCSV(",TK1,"+otpcore.EncodeBase32(seedA)+",30,Token2,C202")))
	pw := h.file("pw", "twelve chars\n")
	if err := os.Chmod(pw, 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs, code := h.exec("", "export", "--password-file", pw)
	if code != ExitOK || !strings.Contains(errs, "warning") || !strings.Contains(errs, "chmod 600 "+pw) {
		t.Fatalf("export with a world-readable password file: exit %d %q", code, errs)
	}
	if err := os.Chmod(pw, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errs, _ := h.exec("", "export", "--password-file", pw); strings.Contains(errs, "warning") {
		t.Fatalf("warning for a private password file: %q", errs)
	}
}
