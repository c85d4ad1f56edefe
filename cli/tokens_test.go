package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
)

var (
	seedA = []byte("12345678901234567890")
	seedB = []byte("abcdefghijabcdefghij")
	seedC = []byte("0123456789abcdef0123456789abcdef") // 32 bytes: SHA256 by inference
)

func (h *harness) file(name, content string) string {
	p := filepath.Join(h.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return p
}

func azureCSV(rows ...string) string {
	return "upn,serial number,secret key,time interval,manufacturer,model\n" + strings.Join(rows, "\n") + "\n"
}

func (h *harness) tokens(args ...string) []map[string]any {
	var out []map[string]any
	if err := json.Unmarshal([]byte(h.run(append([]string{"tokens", "--json"}, args...)...)), &out); err != nil {
		h.t.Fatal(err)
	}
	return out
}

func TestImportAzureAssignsAndIsAllOrNothing(t *testing.T) {
	h := newHarness(t)
	good := azureCSV(
		"alice@example.com,TK001,"+otpcore.EncodeBase32(seedA)+",30,Token2,C202",
		",TK002,"+otpcore.EncodeBase32(seedB)+",60,Token2,C202",
		",TK003,"+otpcore.EncodeBase32(seedC)+",30,Token2,C302",
	)
	f := h.file("tokens.csv", good)
	// The user does not exist: nothing is imported, and the message says
	// where and what to do.
	_, errs, code := h.exec("", "import", f)
	if code == 0 || !strings.Contains(errs, "line 2") || !strings.Contains(errs, "--create-users") || !strings.Contains(errs, "nothing was imported") {
		t.Fatalf("import with an unknown user: %d %q", code, errs)
	}
	if len(h.tokens("--all")) != 0 {
		t.Fatal("a failed import left tokens behind")
	}
	// A dry run shows the plan and changes nothing.
	out := h.run("import", "--dry-run", "--create-users", f)
	if !strings.Contains(out, "dry run") || strings.Count(out, "added") != 4 {
		t.Fatalf("dry run output:\n%s", out)
	}
	if len(h.tokens("--all")) != 0 || h.run("status") != "" {
		t.Fatal("a dry run changed the store")
	}
	h.run("import", "--create-users", f)
	toks := h.tokens("--all")
	if len(toks) != 3 {
		t.Fatalf("%d tokens after import", len(toks))
	}
	byS := map[string]map[string]any{}
	for _, tk := range toks {
		byS[tk["serial"].(string)] = tk
	}
	if byS["TK001"]["user"] != "alice@example.com" || byS["TK002"]["state"] != "unassigned" ||
		byS["TK002"]["step"] != float64(60) || byS["TK003"]["algorithm"] != "SHA256" || byS["TK001"]["algorithm"] != "SHA1" {
		t.Fatalf("imported tokens: %v", toks)
	}
	// alice can log in with her token straight away.
	code1, _ := otpcore.HOTP(otpcore.SHA1, seedA, uint64(h.now.Unix()/30), 6)
	if _, _, rc := h.exec("", "verify", "alice@example.com", code1); rc != 0 {
		t.Fatal("the assigned token's code was refused")
	}
	// Importing again skips known serials; --replace overwrites.
	out = h.run("import", f, "--no-assign")
	if !strings.Contains(out, "3 skipped") {
		t.Fatalf("re-import:\n%s", out)
	}
	out = h.run("import", f, "--replace", "--no-assign")
	if !strings.Contains(out, "3 replaced") {
		t.Fatalf("replace:\n%s", out)
	}
	if h.tokens("--all")[0]["user"] != "alice@example.com" {
		t.Fatal("a replaced token lost its owner")
	}
	// A bad row anywhere means nothing at all is imported.
	bad := h.file("bad.csv", azureCSV(",TK010,"+otpcore.EncodeBase32(seedA)+",30,Token2,C202", ",TK011,NOT*BASE32SECRET,30,Token2,C202"))
	_, errs, code = h.exec("", "import", bad)
	if code == 0 || !strings.Contains(errs, "line 3") || strings.Contains(errs, "NOT*BASE32SECRET") {
		t.Fatalf("bad row: %d %q", code, errs)
	}
	if len(h.tokens("--all")) != 3 {
		t.Fatal("a failed import added some tokens")
	}
}

func TestImportOATHCSVAndURIList(t *testing.T) {
	h := newHarness(t)
	oath := "# privacyIDEA export\nOA001, " + fmt.Sprintf("%x", seedA) + ", totp, 8, 60\nOA002, " + fmt.Sprintf("%x", seedB) + ", hotp, 6, 17\n"
	h.run("import", h.file("oath.csv", oath))
	toks := h.tokens()
	if len(toks) != 2 || toks[0]["digits"] != float64(8) || toks[0]["step"] != float64(60) || toks[1]["kind"] != "hotp" {
		t.Fatalf("OATH CSV tokens: %v", toks)
	}
	// otpauth URIs migrated from another system become authenticator
	// devices of the account they name.
	uris := "# migrated\notpauth://totp/ACME:bob?secret=" + otpcore.EncodeBase32(seedC) + "&issuer=ACME&algorithm=SHA256\n" +
		"otpauth://hotp/carol?secret=" + otpcore.EncodeBase32(seedA) + "&counter=5\n"
	f := h.file("uris.txt", uris)
	if _, errs, code := h.exec("", "import", "--no-assign", f); code == 0 || !strings.Contains(errs, "line 2") {
		t.Fatalf("URIs with nobody to give them to: %d %q", code, errs)
	}
	h.run("import", "--create-users", f)
	if got := h.run("status", "bob", "carol"); got != "bob: enabled\ncarol: enabled\n" {
		t.Fatalf("after importing URIs: %q", got)
	}
	c, _ := otpcore.HOTP(otpcore.SHA256, seedC, uint64(h.now.Unix()/30), 6)
	if _, _, rc := h.exec("", "verify", "bob", c); rc != 0 {
		t.Fatal("bob's migrated seed does not verify")
	}
	hc, _ := otpcore.HOTP(otpcore.SHA1, seedA, 6, 6)
	if _, _, rc := h.exec("", "verify", "carol", hc); rc != 0 {
		t.Fatal("carol's migrated HOTP seed does not verify from its counter")
	}
	if out := h.run("import", "--create-users", f); !strings.Contains(out, "2 skipped") {
		t.Fatalf("re-importing URIs: %q", out)
	}
}

func TestAssignUnassignRetireAndDisableReturnsTokens(t *testing.T) {
	h := newHarness(t)
	h.run("user", "add", "alice")
	h.run("import", h.file("t.csv", azureCSV(",TK001,"+otpcore.EncodeBase32(seedA)+",30,Token2,C202")))
	h.run("assign", "TK001", "alice")
	if got := h.run("status", "alice"); got != "alice: enabled\n" {
		t.Fatalf("after assign: %q", got)
	}
	if _, errs, code := h.exec("", "assign", "TK001", "alice"); code == 0 || !strings.Contains(errs, "assigned to alice already") {
		t.Fatalf("double assign: %q", errs)
	}
	h.run("disable", "--yes", "alice")
	if toks := h.tokens(); len(toks) != 1 || toks[0]["state"] != "unassigned" {
		t.Fatalf("disable should return the token to the inventory: %v", toks)
	}
	// Removing the device, or the user, also hands the token back.
	h.run("assign", "TK001", "alice")
	h.run("device", "rm", "--yes", "alice", "TK001")
	if toks := h.tokens(); len(toks) != 1 || toks[0]["state"] != "unassigned" {
		t.Fatalf("device rm should return the token to the inventory: %v", toks)
	}
	h.run("assign", "TK001", "alice")
	h.run("user", "rm", "--yes", "alice")
	if toks := h.tokens(); len(toks) != 1 || toks[0]["state"] != "unassigned" {
		t.Fatalf("user rm should return the token to the inventory: %v", toks)
	}
	h.run("user", "add", "alice")
	h.run("assign", "TK001", "alice")
	h.run("unassign", "TK001")
	h.run("retire", "--yes", "TK001")
	if len(h.tokens()) != 0 || len(h.tokens("--all", "--retired")) != 1 {
		t.Fatal("a retired token should leave the inventory but stay on record")
	}
	if _, errs, code := h.exec("", "assign", "TK001", "alice"); code == 0 || !strings.Contains(errs, "retired") {
		t.Fatalf("assigning a retired token: %q", errs)
	}
	audit := h.run("audit", "--action", "token.")
	for _, a := range []string{"token.import", "token.assign", "token.unassign", "token.retire"} {
		if !strings.Contains(audit, a) {
			t.Errorf("audit lacks %s", a)
		}
	}
}

func TestIdentifyTokenInHand(t *testing.T) {
	h := newHarness(t)
	var rows []string
	for i := 0; i < 50; i++ {
		rows = append(rows, fmt.Sprintf(",TK%03d,%s,30,Token2,C202", i, otpcore.EncodeBase32([]byte(fmt.Sprintf("seed-number-%08d", i)))))
	}
	h.run("import", h.file("t.csv", azureCSV(rows...)))
	secret := []byte("seed-number-00000042")
	// The token in hand runs 3 steps fast; the admin reads two codes.
	c1, _ := otpcore.HOTP(otpcore.SHA1, secret, uint64(h.now.Unix()/30+2), 6)
	c2, _ := otpcore.HOTP(otpcore.SHA1, secret, uint64(h.now.Unix()/30+3), 6)
	out := h.run("identify", c1, c2)
	if !strings.HasPrefix(out, "TK042 ") || !strings.Contains(out, "its clock 1 min 30 s ahead (+3 steps)") {
		t.Fatalf("identify: %q", out)
	}
	if _, _, code := h.exec("", "identify", c2, c1); code != ExitRejected {
		t.Fatal("codes in the wrong order should match nothing")
	}
	if _, errs, code := h.exec("", "identify", c1); code == 0 || !strings.Contains(errs, "accepts between 2 and 3") && !strings.Contains(errs, "arg") {
		t.Fatalf("one code: %d %q", code, errs)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	h := newHarness(t)
	h.run("user", "add", "alice", "bob")
	oath := "OA001, " + fmt.Sprintf("%x", seedA) + ", totp, 8, 60\nOA002, " + fmt.Sprintf("%x", seedB) + ", hotp, 6, 17\nOA003, " + fmt.Sprintf("%x", seedC) + ", totp, 6, 30, sha256\n"
	h.run("import", h.file("oath.csv", oath))
	h.run("assign", "OA001", "alice")
	h.run("assign", "OA002", "bob")
	// Give OA001 a drift and OA002 a moved counter through real use.
	c1, _ := otpcore.HOTP(otpcore.SHA1, seedA, uint64(h.now.Unix()/60+4), 8)
	c2, _ := otpcore.HOTP(otpcore.SHA1, seedA, uint64(h.now.Unix()/60+5), 8)
	h.run("resync", "alice", c1, c2)
	hc, _ := otpcore.HOTP(otpcore.SHA1, seedB, 20, 6)
	h.run("verify", "bob", hc)

	pw := h.file("pw", "correct horse battery\n")
	out := filepath.Join(h.dir, "backup.pskc")
	h.run("export", "--password-file", pw, "-o", out)
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
		t.Fatalf("export file mode %04o", st.Mode().Perm())
	}
	raw, _ := os.ReadFile(out)
	if strings.Contains(string(raw), fmt.Sprintf("%x", seedA)) || strings.Contains(string(raw), otpcore.EncodeBase32(seedA)) {
		t.Fatal("the encrypted export contains a seed in the clear")
	}
	if _, _, code := h.exec("", "export", "--password-file", pw, "-o", out); code == 0 {
		t.Fatal("export overwrote an existing file")
	}
	if _, errs, code := h.exec("", "export", "--format", "csv"); code == 0 || !strings.Contains(errs, "--plaintext") {
		t.Fatalf("CSV without --plaintext: %q", errs)
	}

	// A second store restores exactly the same tokens.
	h2 := newHarness(t)
	if _, errs, code := h2.exec("", "import", out); code == 0 || !strings.Contains(errs, "password") {
		t.Fatalf("import without the password: %q", errs)
	}
	h2.run("import", "--create-users", "--password-file", pw, out)
	want, got := tokenSnapshot(t, h), tokenSnapshot(t, h2)
	if want[0].Drift != 5 || want[1].Counter != 21 || want[0].User != "alice" || want[1].User != "bob" || len(want) != 3 {
		t.Fatalf("the state to export is not what the test set up: %+v", want)
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("round trip differs:\nwant %+v\ngot  %+v", want, got)
	}
	// The plaintext CSV export round-trips too.
	csvOut := filepath.Join(h.dir, "backup.csv")
	_, errs, _ := h.exec("", "export", "--format", "csv", "--plaintext", "-o", csvOut)
	if !strings.Contains(errs, "WARNING") {
		t.Fatalf("plaintext export without a warning: %q", errs)
	}
	h3 := newHarness(t)
	h3.run("import", "--create-users", csvOut)
	if got := tokenSnapshot(t, h3); !reflect.DeepEqual(want, got) {
		t.Fatalf("CSV round trip differs:\nwant %+v\ngot  %+v", want, got)
	}
}

type tokenFacts struct {
	Serial, User, Model, Manufacturer string
	Kind                              devices.Kind
	Alg                               otpcore.Algorithm
	Digits                            int
	Step, T0, Drift                   int64
	Counter                           uint64
	Secret                            string
	Confirmed                         bool
}

func tokenSnapshot(t *testing.T, h *harness) []tokenFacts {
	t.Helper()
	st, err := db.Open(context.Background(), h.env("TWO_FACTOR_DB"), db.Options{KeyFile: h.env("TWO_FACTOR_KEY_FILE")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	toks, err := st.TokenSecrets(context.Background(), db.TokenFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []tokenFacts
	for _, d := range toks {
		out = append(out, tokenFacts{d.Serial, d.User, d.Model, d.Manufacturer, d.Kind, d.Algorithm, d.Digits, d.Step, d.T0, d.Drift, d.Counter, string(d.Secret), d.Confirmed})
	}
	return out
}
