package e2e

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/internal/djangosite"
	"github.com/two-factor/two-factor/nfc/nfctest"
)

// Issue 11's Token2 programming on a Django site: `two-factor --django DB
// burn` with the virtual Token2 token (nfc/nfctest) behind a real pcscd,
// checked by Django's own verify_token. Serialised with every other pcscd
// test by nfctest's lock.

// c302Serial is a virtual C302-i (keeps its seed on a clock sync).
const c302Serial = "86596320000042"

// presentCard starts a private pcscd and puts card on its virtual reader
// until the test ends; it returns the environment that points the binary
// at that pcscd.
func presentCard(t *testing.T, card *nfctest.Card) string {
	t.Helper()
	pcscd := nfctest.StartPCSCD(t)
	on, err := card.Present(nfctest.VPCDAddr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(on.Remove)
	return "PCSCLITE_CSOCK_NAME=" + pcscd.Socket
}

// burnReadingCard runs `burn args...` and, when it asks for the code shown
// on the token, types what the card shows then, as the admin would. It
// returns everything the command printed and its exit error.
func (c *djangoCLI) burnReadingCard(t *testing.T, card *nfctest.Card, pcscEnv string, args ...string) (string, error) {
	t.Helper()
	cmd := c.cmd(append([]string{"burn"}, args...)...)
	cmd.Env = append(cmd.Env, pcscEnv)
	stdin, pr, done := converse(t, cmd)
	var seen strings.Builder
	r := bufio.NewReader(pr)
	for {
		chunk, err := r.ReadString(' ')
		seen.WriteString(chunk)
		if strings.HasSuffix(seen.String(), "Code shown on the token: ") {
			fmt.Fprintln(stdin, card.Code())
		}
		if err != nil {
			break
		}
	}
	stdin.Close()
	return seen.String(), <-done
}

// TestDjangoBurnRecordsADeviceDjangoAccepts: `two-factor --django DB burn
// alice` programs the token and records a django-otp TOTPDevice of alice
// whose key is the seed the token holds, confirmed by the code the token
// showed; Django's verify_token accepts the token's next code and refuses
// the one two-factor already took. A --sha256 burn is refused before
// anything is sent to the token.
func TestDjangoBurnRecordsADeviceDjangoAccepts(t *testing.T) {
	site := djangosite.New(t)
	site.CreateUser("alice")
	cli := newDjangoCLI(t, site)
	card := nfctest.NewCard(c302Serial, nfctest.Faults{})
	pcscEnv := presentCard(t, card)

	refused := cli.cmd("burn", "alice", "--sha256", "--timeout", "10s")
	refused.Env = append(refused.Env, pcscEnv)
	out, err := refused.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 ||
		!strings.Contains(string(out), "not available on a Django site's database") || !strings.Contains(string(out), "SHA1") {
		t.Fatalf("burn --sha256 on a Django site: %v\n%s", err, out)
	}
	if got := card.Commands(); len(got) != 0 || card.Seed() != nil {
		t.Fatalf("a refused --sha256 burn talked to the token: commands % x, seed set %v", got, card.Seed() != nil)
	}

	burned, err := cli.burnReadingCard(t, card, pcscEnv, "alice", "--timeout", "10s")
	if err != nil || !strings.Contains(burned, "Confirmed: alice now has token "+c302Serial) {
		t.Fatalf("burn alice: %v\n%s", err, burned)
	}
	seed := card.Seed()
	ds := site.Devices("alice")
	if len(ds) != 1 || ds[0].Table != djangosite.TOTPTable || !ds[0].Confirmed || ds[0].Key != hex.EncodeToString(seed) {
		t.Fatalf("Django's devices of alice after the burn: %+v; the token holds %x", ds, seed)
	}
	if ds[0].Name != "default" {
		t.Errorf("alice's first device is named %q; two-factor-auth uses the one named default", ds[0].Name)
	}
	used := card.Code()
	if ok, err := site.VerifyToken("alice", ds[0], used); err != nil || ok {
		t.Fatalf("Django on the code that confirmed the burn: %v %v", ok, err)
	}
	site.Unthrottle()
	card.SetClockOffset(card.Clock().Add(30 * time.Second).Sub(time.Now()))
	if ok, err := site.VerifyToken("alice", ds[0], card.Code()); err != nil || !ok {
		t.Fatalf("Django refused the token's next code: %v %v (%v)", ok, err, site.State(ds[0]).Columns)
	}
	if got := site.Manage("two_factor_status", "alice"); got.Stdout != "alice: enabled\n" {
		t.Errorf("two_factor_status after the burn: %+v", got)
	}
}
