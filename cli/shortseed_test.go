package cli

import (
	"strings"
	"testing"

	"github.com/two-factor/two-factor/otpcore"
)

// An 80-bit seed, as some legacy tokens have: below the 128 bits RFC 4226
// section 4 requires.
var shortSeed = []byte("0123456789")

func TestEnrollTokenRefusesShortSeedUnlessAllowed(t *testing.T) {
	h := newHarness(t)
	h.run("user", "add", "alice")
	b32 := otpcore.EncodeBase32(shortSeed)
	in := b32 + "\n" + totp(t, shortSeed, h.now) + "\n"
	out, errs, code := h.exec(in, "enroll", "alice", "--token", "--serial", "OLD-1")
	if code != ExitError || !strings.Contains(errs, "80 bits") || !strings.Contains(errs, "10 bytes") ||
		!strings.Contains(errs, "128 bits") || !strings.Contains(errs, "--allow-short-seed") {
		t.Fatalf("short seed: exit %d\n%s%s", code, out, errs)
	}
	if strings.Contains(out+errs, b32) || strings.Contains(out+errs, string(shortSeed)) {
		t.Fatal("the refusal repeated the seed")
	}
	if got := h.run("status", "alice"); got != "alice: disabled\n" {
		t.Fatalf("a refused seed left a device: %q", got)
	}
	out, errs, code = h.exec(in, "enroll", "alice", "--token", "--serial", "OLD-1", "--allow-short-seed")
	if code != ExitOK || !strings.Contains(out, "Confirmed") {
		t.Fatalf("short seed with --allow-short-seed: exit %d\n%s%s", code, out, errs)
	}
	if audit := h.run("audit", "--action", "device.enroll"); !strings.Contains(audit, "short seed (80 bits) allowed by --allow-short-seed") {
		t.Fatalf("the audit entry does not record the short seed:\n%s", audit)
	}
	// A seed of 128 bits needs no flag.
	long := []byte("0123456789abcdef")
	in = otpcore.EncodeBase32(long) + "\n" + totp(t, long, h.now) + "\n"
	if out, errs, code := h.exec(in, "enroll", "alice", "--token", "--serial", "NEW-1"); code != ExitOK {
		t.Fatalf("128-bit seed: exit %d\n%s%s", code, out, errs)
	}
}

func TestImportRefusesShortSeedUnlessAllowed(t *testing.T) {
	h := newHarness(t)
	f := h.file("tokens.csv", azureCSV(
		",TK001,"+otpcore.EncodeBase32(seedA)+",30,Token2,C202",
		",OLD-2,"+otpcore.EncodeBase32(shortSeed)+",30,Acme,Legacy",
	))
	_, errs, code := h.exec("", "import", f)
	if code != ExitError || !strings.Contains(errs, "line 3") || !strings.Contains(errs, "80 bits") ||
		!strings.Contains(errs, "--allow-short-seed") || !strings.Contains(errs, "nothing was imported") {
		t.Fatalf("import of a short seed: exit %d %q", code, errs)
	}
	if strings.Contains(errs, otpcore.EncodeBase32(shortSeed)) {
		t.Fatal("the refusal repeated the seed")
	}
	if n := len(h.tokens("--all")); n != 0 {
		t.Fatalf("a refused import left %d token(s)", n)
	}
	h.run("import", "--allow-short-seed", f)
	if n := len(h.tokens("--all")); n != 2 {
		t.Fatalf("import --allow-short-seed: %d token(s), want 2", n)
	}
	audit := h.run("audit", "--action", "token.import")
	if strings.Count(audit, "short seed") != 1 || !strings.Contains(audit, "short seed (80 bits) allowed by --allow-short-seed") {
		t.Fatalf("the audit does not record the one short seed:\n%s", audit)
	}
}
