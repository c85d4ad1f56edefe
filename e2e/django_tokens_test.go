package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/internal/djangosite"
	"github.com/two-factor/two-factor/otpcore"
)

// Issue 11's hardware tokens on a Django site, through the built binary:
// seed-file imports and the inventory (assign, unassign, retire) checked
// by Django's own match_token, with codes made by oathtool from the seeds
// in the file, not by two-factor.

// oathCode is oathtool's TOTP code (SHA-1, 6 digits, 30 s) of a hex key at
// the start of step.
func oathCode(t *testing.T, oathtool, hexKey string, step int64) string {
	t.Helper()
	out, err := exec.Command(oathtool, "--totp", "-N", "@"+strconv.FormatInt(step*30, 10), hexKey).CombinedOutput()
	if err != nil {
		t.Fatalf("oathtool: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// seedHex is a fresh 20-byte seed, hex as Django stores it.
func seedHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func base32Of(t *testing.T, hexKey string) string {
	t.Helper()
	b, err := hex.DecodeString(hexKey)
	if err != nil {
		t.Fatal(err)
	}
	return otpcore.EncodeBase32(b)
}

// writeFile writes a seed file for an import.
func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// deviceWithKey is user's Django device holding hexKey, as Django lists it.
func deviceWithKey(site *djangosite.Site, user, hexKey string) (djangosite.Device, bool) {
	for _, d := range site.Devices(user) {
		if d.Key == hexKey {
			return d, true
		}
	}
	return djangosite.Device{}, false
}

// rowsWithKey counts the TOTP devices of anyone with hexKey.
func rowsWithKey(site *djangosite.Site, hexKey string) int64 {
	rows := site.SQL(`SELECT count(*) FROM otp_totp_totpdevice WHERE lower(key) = %s`, hexKey)
	return int64(rows[0][0].(float64))
}

// djangoAccepts asks Django's match_token and fails the test on an error.
func djangoAccepts(t *testing.T, site *djangosite.Site, user, code string) string {
	t.Helper()
	got, err := site.MatchToken(user, code)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// siteFiles is the bytes of the Django database and of the side file.
func siteFiles(t *testing.T, site *djangosite.Site) [2][]byte {
	t.Helper()
	var files [2][]byte
	for i, p := range []string{site.DB, site.DB + ".two-factor"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[i] = b
	}
	return files
}

func azureRows(rows ...string) string {
	return "upn,serial number,secret key,time interval,manufacturer,model\n" + strings.Join(rows, "\n") + "\n"
}

// TestDjangoImportWritesDevicesDjangoAccepts: a Microsoft/Token2 CSV and an
// encrypted PSKC (made by python-pskc's csv2pskc) imported with
// `two-factor --django DB import`: a token with an owner becomes a
// confirmed django-otp TOTP device of the owner, with the file's seed as
// its key, whose oathtool code Django accepts once (not again in
// two-factor); a token without an owner is in the inventory and nowhere
// in Django.
func TestDjangoImportWritesDevicesDjangoAccepts(t *testing.T) {
	oathtool := need(t, "oathtool", "oathtool")
	csv2pskc := need(t, "csv2pskc", "python3-pskc")
	site := djangosite.New(t)
	for _, u := range []string{"alice", "dave"} {
		site.CreateUser(u)
	}
	cli := newDjangoCLI(t, site)

	alice, spare, dave := seedHex(t), seedHex(t), seedHex(t)
	csvFile := writeFile(t, "tokens.csv", azureRows(
		"alice,TK-ALICE,"+base32Of(t, alice)+",30,Token2,C202",
		",TK-SPARE,"+base32Of(t, spare)+",30,Token2,C202"))
	cli.run(t, 0, "import", csvFile)

	pskcCSV := writeFile(t, "pskc.csv", "serial,secret,algorithm,time_interval,response_length,manufacturer,key_userid\n"+
		"TK-DAVE,"+dave+",urn:ietf:params:xml:ns:keyprov:pskc:totp,30,6,Token2,dave\n")
	pskcFile := filepath.Join(t.TempDir(), "tokens.pskcxml")
	if out, err := exec.Command(csv2pskc, "-p", "correct horse battery", "-o", pskcFile, pskcCSV).CombinedOutput(); err != nil {
		t.Fatalf("csv2pskc: %v\n%s", err, out)
	}
	cli.run(t, 0, "import", "--password-file", writeFile(t, "pw", "correct horse battery\n"), pskcFile)

	step := time.Now().Unix() / 30
	for _, c := range []struct{ user, key, serial string }{{"alice", alice, "TK-ALICE"}, {"dave", dave, "TK-DAVE"}} {
		d, ok := deviceWithKey(site, c.user, c.key)
		if !ok || !d.Confirmed || d.Table != djangosite.TOTPTable {
			t.Fatalf("Django's devices of %s after the import of %s: %+v (want a confirmed TOTP device with the file's seed)", c.user, c.serial, site.Devices(c.user))
		}
		// Their first device: named so that two-factor-auth asks for it
		// at login (default_device), else the token protects nothing.
		if d.Name != "default" {
			t.Errorf("%s's first device, token %s, is named %q in Django, not default", c.user, c.serial, d.Name)
		}
		if got := site.Manage("two_factor_status", c.user); got.Stdout != c.user+": enabled\n" {
			t.Errorf("two_factor_status after the import of %s: %+v", c.serial, got)
		}
		code := oathCode(t, oathtool, c.key, step)
		if got := djangoAccepts(t, site, c.user, code); got != d.PersistentID {
			t.Fatalf("Django's match_token on %s's code of %s: %q, want %s", c.user, c.serial, got, d.PersistentID)
		}
		cli.run(t, 1, "verify", c.user, code)
		if got := cli.run(t, 0, "device", "list", c.user); !strings.Contains(got, c.serial) {
			t.Errorf("device list %s does not name the token's serial %s:\n%s", c.user, c.serial, got)
		}
	}
	site.Unthrottle() // the replays counted failures

	if n := rowsWithKey(site, spare); n != 0 {
		t.Fatalf("a token imported without an owner is a Django device (%d rows)", n)
	}
	if inv := cli.run(t, 0, "tokens"); !strings.Contains(inv, "TK-SPARE") || strings.Contains(inv, "TK-ALICE") {
		t.Fatalf("the inventory after the import:\n%s", inv)
	}
}

// TestDjangoInventoryAssignUnassignRetire: a token imported for nobody
// enters Django only when `assign` gives it to a user; Django then accepts
// its code, and replays are refused across Django and two-factor, also
// after the token went back to the inventory and out again; `unassign`
// and `retire` take it out of Django, which then refuses its codes.
func TestDjangoInventoryAssignUnassignRetire(t *testing.T) {
	oathtool := need(t, "oathtool", "oathtool")
	site := djangosite.New(t)
	for _, u := range []string{"bob", "carol"} {
		site.CreateUser(u)
	}
	cli := newDjangoCLI(t, site)
	bobKey, carolKey := seedHex(t), seedHex(t)
	cli.run(t, 0, "import", writeFile(t, "spares.csv", azureRows(
		",TK-B,"+base32Of(t, bobKey)+",30,Token2,C202",
		",TK-C,"+base32Of(t, carolKey)+",30,Token2,C202")))
	code := func(key string, ahead int64) string { return oathCode(t, oathtool, key, time.Now().Unix()/30+ahead) }

	// Not in Django yet: its code is nobody's.
	if got := djangoAccepts(t, site, "bob", code(bobKey, 0)); got != "" || rowsWithKey(site, bobKey) != 0 {
		t.Fatalf("Django knows an inventory token: match_token %q", got)
	}
	cli.run(t, 0, "assign", "TK-B", "bob")
	d, ok := deviceWithKey(site, "bob", bobKey)
	if !ok || !d.Confirmed || d.Name != "default" {
		t.Fatalf("bob's Django devices after assign TK-B (his first device: want it named default): %+v", site.Devices("bob"))
	}
	now := code(bobKey, 0)
	if got := djangoAccepts(t, site, "bob", now); got != d.PersistentID {
		t.Fatalf("Django's match_token on the assigned token's code: %q, want %s", got, d.PersistentID)
	}
	cli.run(t, 1, "verify", "bob", now)
	site.Unthrottle()
	next := code(bobKey, 1)
	cli.run(t, 0, "verify", "bob", next)
	if got := djangoAccepts(t, site, "bob", next); got != "" {
		t.Fatalf("Django accepted a code two-factor had accepted: %s", got)
	}
	site.Unthrottle()

	// Back to the inventory and out to bob again: the codes already used
	// stay used.
	cli.run(t, 0, "unassign", "TK-B")
	if rowsWithKey(site, bobKey) != 0 || len(site.Devices("bob")) != 0 {
		t.Fatalf("after unassign TK-B Django still has bob's token: %+v", site.Devices("bob"))
	}
	cli.run(t, 0, "assign", "TK-B", "bob")
	for _, used := range []string{now, next} {
		if got := djangoAccepts(t, site, "bob", used); got != "" {
			t.Errorf("after unassign and assign, Django accepted a code already used: %s", got)
		}
		site.Unthrottle()
	}

	// unassign: Django refuses a code it would have accepted.
	cli.run(t, 0, "assign", "TK-C", "carol")
	if _, ok := deviceWithKey(site, "carol", carolKey); !ok {
		t.Fatalf("carol's Django devices after assign TK-C: %+v", site.Devices("carol"))
	}
	cli.run(t, 0, "unassign", "TK-C")
	if got := djangoAccepts(t, site, "carol", code(carolKey, 0)); got != "" || rowsWithKey(site, carolKey) != 0 {
		t.Fatalf("Django accepted an unassigned token's code: %q", got)
	}
	if inv := cli.run(t, 0, "tokens"); !strings.Contains(inv, "TK-C") {
		t.Fatalf("TK-C is not back in the inventory:\n%s", inv)
	}
	// retire: the same, for good.
	cli.run(t, 0, "assign", "TK-C", "carol")
	if got := djangoAccepts(t, site, "carol", code(carolKey, 0)); got == "" {
		t.Fatal("Django refused the code of a token assigned again")
	}
	cli.run(t, 0, "retire", "--yes", "TK-C")
	if got := djangoAccepts(t, site, "carol", code(carolKey, 1)); got != "" || rowsWithKey(site, carolKey) != 0 {
		t.Fatalf("Django accepted a retired token's code: %q", got)
	}
	if r := cli.exec(t, "assign", "TK-C", "carol"); r.code == 0 {
		t.Fatalf("a retired token was assigned again: %+v", r)
	}
}

// TestDjangoImportRefusalsChangeNothing: an import Django's tables cannot
// take (a SHA-256 token, with or without an owner) or a file with one bad
// row is refused with a message naming the problem, and neither the
// site's database nor the side file changes by a byte.
func TestDjangoImportRefusalsChangeNothing(t *testing.T) {
	site := djangosite.New(t)
	site.CreateUser("alice")
	cli := newDjangoCLI(t, site)
	good := ",TK-OK," + base32Of(t, seedHex(t)) + ",30,Token2,C202"
	cli.run(t, 0, "import", writeFile(t, "first.csv", azureRows(good)))

	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"SHA-256 with an owner", []string{"--hash", "SHA256", writeFile(t, "sha256.csv", azureRows("alice,TK-256,"+base32Of(t, seedHex(t))+",30,Token2,C202"))},
			[]string{"line 2", "SHA256", "SHA-1", "nothing was imported"}},
		{"SHA-256 for the inventory", []string{"--hash", "SHA256", writeFile(t, "sha256inv.csv", azureRows(",TK-256,"+base32Of(t, seedHex(t))+",30,Token2,C202"))},
			[]string{"line 2", "SHA256", "SHA-1", "nothing was imported"}},
		{"one bad row", []string{writeFile(t, "bad.csv", azureRows(
			"alice,TK-A1,"+base32Of(t, seedHex(t))+",30,Token2,C202",
			",TK-A2,not*base32,30,Token2,C202"))},
			[]string{"line 3", "secret key", "nothing was imported"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := siteFiles(t, site)
			r := cli.exec(t, append([]string{"import"}, c.args...)...)
			if r.code == 0 {
				t.Fatalf("import accepted: %+v", r)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("the error does not say %q: %s", w, r.stderr)
				}
			}
			after := siteFiles(t, site)
			if !bytes.Equal(before[0], after[0]) {
				t.Error("the refused import changed the Django database")
			}
			if !bytes.Equal(before[1], after[1]) {
				t.Error("the refused import changed the side file")
			}
			if ds := site.Devices("alice"); len(ds) != 0 {
				t.Errorf("alice has Django devices after a refused import: %+v", ds)
			}
		})
	}
}
