package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/nfc/nfctest"
	"github.com/two-factor/two-factor/otpcore"
)

// Serials of the virtual tokens: a C302-i (keeps its seed on a clock
// sync) and an OTPC-P2-i (restricted: a sync erases it).
const (
	c302Serial = "86596320000042"
	p2Serial   = "86596220000007"
)

// withPCSCD starts a real pcscd with vpcd for the test (serialised with
// every other pcscd test by nfctest's lock) and points h at it.
func (h *harness) withPCSCD() {
	h.pcscSocket = nfctest.StartPCSCD(h.t).Socket
}

// present puts card on the virtual reader until the test ends or the
// returned function takes it off.
func (h *harness) present(card *nfctest.Card) (remove func()) {
	h.t.Helper()
	on, err := card.Present(nfctest.VPCDAddr, 5*time.Second)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(on.Remove)
	return func() {
		on.Remove()
		// pcscd polls for presence every 0.4 s: let it see the token go,
		// as it does while an admin picks up the next one.
		time.Sleep(time.Second)
	}
}

// execReader is exec with stdin from r.
func (h *harness) execReader(r io.Reader, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := Execute(context.Background(), args, Env{
		Stdin: r, Stdout: &out, Stderr: &errb,
		IsTerminal: func() bool { return h.terminal },
		Now:        func() time.Time { return h.now },
		Getenv:     h.env,
	})
	return out.String(), errb.String(), code
}

// tokenDisplay is the admin reading the token: each line of stdin is the
// code the card shows when the prompt asks for it.
type tokenDisplay struct {
	card  *nfctest.Card
	lines int
	buf   []byte
}

func (d *tokenDisplay) Read(p []byte) (int, error) {
	if len(d.buf) == 0 {
		if d.lines == 0 {
			return 0, io.EOF
		}
		d.lines--
		d.buf = []byte(d.card.Code() + "\n")
	}
	n := copy(p, d.buf)
	d.buf = d.buf[n:]
	return n, nil
}

// storedSeed is the seed the store holds for serial, decrypted by a
// plaintext export.
func (h *harness) storedSeed(serial string) []byte {
	h.t.Helper()
	path := filepath.Join(h.dir, "seeds.csv")
	h.run("export", "--plaintext", "--format", "csv", "-o", path)
	b, err := os.ReadFile(path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer os.Remove(path)
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Split(line, ","); len(f) > 2 && f[0] == serial {
			seed, err := otpcore.DecodeBase32(f[1])
			if err != nil {
				h.t.Fatal(err)
			}
			return seed
		}
	}
	h.t.Fatalf("no seed stored for %s:\n%s", serial, b)
	return nil
}

// storedTokens is `tokens --all --json`.
func (h *harness) storedTokens() []map[string]any {
	return h.tokens("--all")
}

// advance moves the store's clock and the card's by d, so a new code is
// due (a code already used is refused as a replay).
func (h *harness) advance(card *nfctest.Card, d time.Duration) {
	h.now = h.now.Add(d)
	card.SetClockOffset(card.Clock().Add(d).Sub(time.Now()))
}

func TestBurnForUserThroughPCSCD(t *testing.T) {
	h := newHarness(t)
	h.run("user", "add", "alice")
	h.withPCSCD()
	card := nfctest.NewCard(c302Serial, nfctest.Faults{})
	h.present(card)
	out, errs, code := h.execReader(&tokenDisplay{card: card, lines: 1}, "burn", "alice", "--name", "desk", "--sha256", "--step", "60", "--timeout", "10s")
	if code != ExitOK || !strings.Contains(out, "Switch it off and on") || !strings.Contains(out, "Confirmed: alice now has token "+c302Serial) {
		t.Fatalf("burn: exit %d\n%s%s", code, out, errs)
	}
	seed := card.Seed()
	if len(seed) != 32 {
		t.Fatalf("card holds a %d-byte seed, want 32 for SHA-256", len(seed))
	}
	if alg, step, _ := card.Settings(); alg != 2 || step != 60 {
		t.Errorf("card settings: hash %d, step %d", alg, step)
	}
	if got := h.storedSeed(c302Serial); !bytes.Equal(got, seed) {
		t.Fatal("the stored seed differs from the one the token holds")
	}
	if strings.Contains(out+errs, otpcore.EncodeBase32(seed)) {
		t.Fatal("the seed was printed")
	}
	toks := h.storedTokens()
	if len(toks) != 1 || toks[0]["serial"] != c302Serial || toks[0]["user"] != "alice" || toks[0]["model"] != "C302-i" || toks[0]["manufacturer"] != "Token2" {
		t.Fatalf("tokens: %v", toks)
	}
	h.advance(card, 60*time.Second)
	if out, errs, code := h.exec("", "verify", "alice", card.Code()); code != ExitOK {
		t.Fatalf("a code the token shows does not verify: exit %d %s%s", code, out, errs)
	}
	if audit := h.run("audit", "--user", "alice"); !strings.Contains(audit, "programmed over NFC, model C302-i") || !strings.Contains(audit, c302Serial) {
		t.Fatalf("audit does not say the token was programmed over NFC:\n%s", audit)
	}
}

func TestBurnWrongCodeStoresNothing(t *testing.T) {
	h := newHarness(t)
	h.run("user", "add", "alice")
	h.withPCSCD()
	card := nfctest.NewCard(c302Serial, nfctest.Faults{})
	h.present(card)
	out, errs, code := h.exec("000000\n000000\n000000\n", "burn", "alice", "--timeout", "10s")
	if code != ExitRejected || !strings.Contains(errs, "token "+c302Serial+" was programmed but not recorded") || !strings.Contains(errs, "two-factor burn alice") {
		t.Fatalf("wrong codes: exit %d\n%s%s", code, out, errs)
	}
	if toks := h.storedTokens(); len(toks) != 0 {
		t.Fatalf("a token was stored after wrong codes: %v", toks)
	}
	if card.Seed() == nil {
		t.Fatal("the token was not programmed")
	}
	// The admin retries: a new seed, and this time the right code.
	out, errs, code = h.execReader(&tokenDisplay{card: card, lines: 1}, "burn", "alice", "--timeout", "10s", "--json")
	var j map[string]any
	if err := json.Unmarshal([]byte(out), &j); code != ExitOK || err != nil || j["serial"] != c302Serial || j["algorithm"] != "SHA1" || !strings.Contains(errs, "Code shown on the token") {
		t.Fatalf("retry --json: exit %d (%v)\n%s%s", code, err, out, errs)
	}
	if !bytes.Equal(h.storedSeed(c302Serial), card.Seed()) {
		t.Fatal("after the retry the stored seed is not the token's")
	}
	// A recorded token is never rewritten: its owner would be locked out.
	before := card.Seed()
	if out, errs, code := h.exec("", "burn", "alice", "--timeout", "10s"); code != ExitRejected || !strings.Contains(errs, "already recorded, assigned to alice") {
		t.Fatalf("burning a recorded token: exit %d\n%s%s", code, out, errs)
	}
	if !bytes.Equal(card.Seed(), before) {
		t.Fatal("a recorded token was rewritten")
	}
}

func TestBurnFaultsThroughPCSCD(t *testing.T) {
	h := newHarness(t)
	h.run("user", "add", "alice")
	h.withPCSCD()
	for _, tc := range []struct {
		name   string
		serial string
		faults nfctest.Faults
		code   int
		want   []string
	}{
		{"wrong MAC", c302Serial, nfctest.Faults{BadMAC: true}, ExitRejected, []string{c302Serial, "6983", "power-cycle"}},
		{"card removed mid-write", p2Serial, nfctest.Faults{RemoveOn: 0xC5}, ExitError, []string{p2Serial, "removed", "burn it again"}},
		{"auth failure", c302Serial, nfctest.Faults{RefuseAuth: 5}, ExitRejected, []string{c302Serial, "6983", "tried twice"}},
		{"unknown model", "86599990000001", nfctest.Faults{}, ExitRejected, []string{"8659999", "nothing was written"}},
		{"unexpected status word", c302Serial, nfctest.Faults{Status: map[byte]uint16{0xC5: 0x6F00}}, ExitError, []string{c302Serial, "6F00"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			attempts := 0
			for _, asJSON := range []bool{false, true} {
				// A fresh token each run: a removal fault leaves it off.
				card := nfctest.NewCard(tc.serial, tc.faults)
				remove := h.present(card)
				args := []string{"burn", "alice", "--timeout", "10s"}
				if asJSON {
					args = append(args, "--json")
				}
				out, errs, code := h.exec("123456\n", args...)
				text := errs
				if asJSON {
					text = out
				}
				if code != tc.code {
					t.Fatalf("json %v: exit %d, want %d\n%s%s", asJSON, code, tc.code, out, errs)
				}
				for _, w := range tc.want {
					if !strings.Contains(text, w) {
						t.Errorf("json %v: message lacks %q:\n%s", asJSON, w, text)
					}
				}
				if card.Seed() != nil {
					t.Errorf("the token holds a seed after the failure")
				}
				attempts = card.AuthAttempts()
				remove()
			}
			if toks := h.storedTokens(); len(toks) != 0 {
				t.Fatalf("something was stored: %v", toks)
			}
			if tc.faults.RefuseAuth > 0 && attempts != 2 { // one retry, never more
				t.Errorf("auth attempts = %d, want 2", attempts)
			}
		})
	}
}

func TestBurnBatchThroughPCSCD(t *testing.T) {
	h := newHarness(t)
	h.withPCSCD()
	serials := []string{"86596320000101", "86596220000102", "86596000000103"}
	cards := make([]*nfctest.Card, len(serials))
	type result struct {
		out, errs string
		code      int
	}
	done := make(chan result, 1)
	go func() {
		out, errs, code := h.exec("", "burn", "--batch", "--count", "3", "--timeout", "20s", "--json")
		done <- result{out, errs, code}
	}()
	for i, s := range serials {
		cards[i] = nfctest.NewCard(s, nfctest.Faults{})
		remove := h.present(cards[i])
		deadline := time.Now().Add(15 * time.Second)
		for cards[i].Seed() == nil && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond) // the read-back after the write
		remove()
	}
	r := <-done
	if r.code != ExitOK {
		t.Fatalf("batch: exit %d\n%s%s", r.code, r.out, r.errs)
	}
	var res struct {
		Count      int              `json:"count"`
		Programmed []map[string]any `json:"programmed"`
	}
	if err := json.Unmarshal([]byte(r.out), &res); err != nil || res.Count != 3 {
		t.Fatalf("batch JSON (%v):\n%s", err, r.out)
	}
	if !strings.Contains(r.errs, "3. "+serials[2]) || !strings.Contains(r.errs, "(3 programmed, 0 failed)") {
		t.Errorf("no running log:\n%s", r.errs)
	}
	toks := h.tokens()
	if len(toks) != 3 {
		t.Fatalf("tokens: %v", toks)
	}
	state := map[any]any{}
	for _, tok := range toks {
		state[tok["serial"]] = tok["state"]
	}
	for i, s := range serials {
		if state[s] != "unassigned" {
			t.Errorf("token %s: %v", s, toks)
		}
		if !bytes.Equal(h.storedSeed(s), cards[i].Seed()) {
			t.Errorf("token %s: the stored seed is not the token's", s)
		}
	}
}

func TestSyncClockRestrictedModel(t *testing.T) {
	h := newHarness(t)
	h.withPCSCD()
	card := nfctest.NewCard(p2Serial, nfctest.Faults{})
	card.SetSeed(fixtureSeed)
	h.present(card)
	out, errs, code := h.exec("", "nfc", "sync-clock", "--timeout", "10s")
	if code != ExitError || !strings.Contains(errs, "--yes") || card.Seed() == nil {
		t.Fatalf("sync of a restricted model without --yes: exit %d, seed kept %v\n%s%s", code, card.Seed() != nil, out, errs)
	}
	h.terminal = true
	if out, errs, code := h.exec("n\n", "nfc", "sync-clock", "--timeout", "10s"); code != ExitRejected || !strings.Contains(out, "ERASES its seed") || card.Seed() == nil {
		t.Fatalf("answered no: exit %d\n%s%s", code, out, errs)
	}
	h.terminal = false
	out, errs, code = h.exec("", "nfc", "sync-clock", "--yes", "--timeout", "10s")
	if code != ExitOK || !strings.Contains(out, "burn it again") || card.Seed() != nil {
		t.Fatalf("sync --yes: exit %d, seed left %v\n%s%s", code, card.Seed() != nil, out, errs)
	}
	if got := card.Clock().Sub(h.now); got.Abs() > 5*time.Second {
		t.Errorf("token clock is %s off the store's after the sync", got)
	}
}

// TestNoPCSCDIsSaidBeforeAskingForTheToken: without pcscd, burn and nfc
// info say so at once, instead of asking the admin to hold a token on the
// reader and only then finding that nothing listens.
func TestNoPCSCDIsSaidBeforeAskingForTheToken(t *testing.T) {
	h := newHarness(t)
	h.run("user", "add", "alice")
	for _, args := range [][]string{{"burn", "alice"}, {"nfc", "info"}, {"nfc", "sync-clock", "--yes"}} {
		out, errs, code := h.exec("", append(args, "--timeout", "10s")...)
		if code != ExitError || !strings.Contains(errs, "pcscd is not running") || strings.Contains(out+errs, "hold it on the reader") {
			t.Errorf("%v without pcscd: exit %d\n%s%s", args, code, out, errs)
		}
	}
}

func TestNFCInfoAndReaders(t *testing.T) {
	h := newHarness(t)
	if _, errs, code := h.exec("", "nfc", "readers"); code != ExitError || !strings.Contains(errs, "pcscd is not running") || !strings.Contains(errs, "systemctl start pcscd") {
		t.Fatalf("readers without pcscd: exit %d %s", code, errs)
	}
	h.withPCSCD()
	if out := h.run("nfc", "readers"); !strings.Contains(out, nfctest.VPCDReader) {
		t.Fatalf("readers: %s", out)
	}
	if _, errs, code := h.exec("", "nfc", "info", "--timeout", "600ms"); code != ExitError || !strings.Contains(errs, "timed out waiting for a token") || !strings.Contains(errs, "switch the token on") {
		t.Fatalf("info without a token: exit %d %s", code, errs)
	}
	if _, errs, code := h.exec("", "nfc", "info", "--reader", "No Such Reader"); code != ExitError || !strings.Contains(errs, "no NFC reader") {
		t.Fatalf("info on a missing reader: exit %d %s", code, errs)
	}
	card := nfctest.NewCard(c302Serial, nfctest.Faults{})
	h.present(card)
	card.SetClockOffset(h.now.Add(-90 * time.Second).Sub(time.Now()))
	out := h.run("nfc", "info", "--timeout", "10s")
	for _, w := range []string{c302Serial, "C302-i", "behind", "not recorded"} {
		if !strings.Contains(out, w) {
			t.Errorf("info lacks %q:\n%s", w, out)
		}
	}
	var j map[string]any
	if err := json.Unmarshal([]byte(h.run("nfc", "info", "--timeout", "10s", "--json")), &j); err != nil {
		t.Fatal(err)
	}
	if off := j["offset_seconds"].(float64); off > -85 || off < -95 {
		t.Errorf("offset_seconds = %v, want about -90", off)
	}
}

// withToken gives h a pcscd with a C302-i token on its reader, once per
// test, for the tree tests' success runs; false (the run is left out)
// where pcscd or vpcd is not installed, except under CI=true, where
// StartPCSCD fails the test.
func (h *harness) withToken() bool {
	if h.pcscSocket != "" {
		return true
	}
	if nfctest.Available() != nil && os.Getenv("CI") != "true" {
		return false
	}
	h.withPCSCD()
	h.present(nfctest.NewCard(c302Serial, nfctest.Faults{}))
	return true
}
