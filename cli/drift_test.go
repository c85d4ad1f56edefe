package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/otpcore"
)

// A hardware token whose clock gains a step every ten days, used every
// five days: drift follow-up keeps it working, and the report sees it
// coming out of tolerance if left unused.
func TestDriftReportFromRealVerifications(t *testing.T) {
	h := newHarness(t)
	h.run("user", "add", "alice", "bob")
	h.run("import", "--no-assign", h.file("t.csv", azureCSV(",TK001,"+otpcore.EncodeBase32(seedA)+",30,Token2,C202", ",TK002,"+otpcore.EncodeBase32(seedB)+",30,Token2,C202")))
	h.run("assign", "TK001", "alice")
	h.run("assign", "TK002", "bob")
	start := h.now
	for day := 0; day <= 60; day += 5 {
		h.now = start.Add(time.Duration(day) * 24 * time.Hour)
		drift := int64(day / 10)
		ca, _ := otpcore.HOTP(otpcore.SHA1, seedA, uint64(h.now.Unix()/30+drift), 6)
		cb, _ := otpcore.HOTP(otpcore.SHA1, seedB, uint64(h.now.Unix()/30), 6)
		if _, _, rc := h.exec("", "verify", "alice", ca); rc != 0 {
			t.Fatalf("day %d: alice's drifting token refused", day)
		}
		if _, _, rc := h.exec("", "verify", "bob", cb); rc != 0 {
			t.Fatalf("day %d: bob's steady token refused", day)
		}
	}
	h.now = h.now.Add(24 * time.Hour)
	var rows []struct {
		User       string  `json:"user"`
		Serial     string  `json:"serial"`
		Drift      int64   `json:"drift_steps"`
		Rate       float64 `json:"steps_per_day"`
		Flagged    bool    `json:"flagged"`
		Samples    int     `json:"samples"`
		AdviceText string  `json:"advice"`
	}
	if err := json.Unmarshal([]byte(h.run("drift", "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Serial != "TK001" || !rows[0].Flagged || rows[1].Flagged {
		t.Fatalf("drift report: %+v", rows)
	}
	if rows[0].Drift != 6 || rows[0].Rate < 0.08 || rows[0].Rate > 0.12 || rows[0].Samples != 13 {
		t.Fatalf("alice's token: %+v", rows[0])
	}
	text := h.run("drift")
	if !strings.Contains(text, "!") || !strings.Contains(text, "TK001") {
		t.Fatalf("text report:\n%s", text)
	}
	if show := h.run("device", "show", "alice", "TK001"); !strings.Contains(show, "3 min ahead (+6 steps)") {
		t.Fatalf("device show:\n%s", show)
	}
}

func TestRekeyThroughTheCommand(t *testing.T) {
	h := newHarness(t)
	secret := h.enroll("alice")
	before, _ := os.ReadFile(h.env("TWO_FACTOR_KEY_FILE"))
	if out := h.run("rekey"); !strings.Contains(out, "back it up") {
		t.Fatalf("rekey: %q", out)
	}
	after, _ := os.ReadFile(h.env("TWO_FACTOR_KEY_FILE"))
	if string(before) == string(after) {
		t.Fatal("rekey left the key file as it was")
	}
	h.now = h.now.Add(time.Minute)
	if _, _, rc := h.exec("", "verify", "alice", totp(t, secret, h.now)); rc != 0 {
		t.Fatal("alice's app stopped working after a rekey")
	}
}
