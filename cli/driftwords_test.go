package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/otpcore"
)

// TestDriftInHumanUnits: a token whose clock is 200 days ahead reads as
// "200 days ahead" with a warning in resync, device list, device show and
// the drift report, not as +576000 steps; and a resync back to the right
// time says when the token's codes are accepted again (the replay floor
// never goes down).
func TestDriftInHumanUnits(t *testing.T) {
	h := newHarness(t)
	h.run("user", "add", "alice")
	h.run("import", "--no-assign", h.file("t.csv", azureCSV(",TK001,"+otpcore.EncodeBase32(seedA)+",30,Token2,C202")))
	h.run("assign", "TK001", "alice")
	const ahead = 200 * 24 * 120 // 200 days of 30 s steps
	codes := func(drift int64) []string {
		step := h.now.Unix()/30 + drift
		c1, _ := otpcore.HOTP(otpcore.SHA1, seedA, uint64(step-1), 6)
		c2, _ := otpcore.HOTP(otpcore.SHA1, seedA, uint64(step), 6)
		return []string{c1, c2}
	}
	c := codes(ahead)
	out := h.run("resync", "alice", c[0], c[1], "--window", "600000")
	for _, want := range []string{"200 days ahead (+576000 steps)", "likely set wrong"} {
		if !strings.Contains(out, want) {
			t.Errorf("resync output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "17280000") {
		t.Errorf("resync shows the drift in raw seconds:\n%s", out)
	}
	for _, args := range [][]string{{"device", "list", "alice"}, {"device", "show", "alice", "TK001"}, {"drift"}} {
		out := h.run(args...)
		if !strings.Contains(out, "200 days ahead") || !strings.Contains(out, "likely set wrong") {
			t.Errorf("%v does not say 200 days ahead with a warning:\n%s", args, out)
		}
	}

	// Back to our clock: the floor stays 200 days ahead, so the token's
	// codes wait until then, and resync says from when.
	h.now = h.now.Add(5 * time.Minute)
	c = codes(0)
	out = h.run("resync", "alice", c[0], c[1], "--window", "600000")
	want := "codes are accepted again from " + h.now.Add(200*24*time.Hour).Format("2006-01-02")
	if !strings.Contains(out, "on time") || !strings.Contains(out, want) {
		t.Errorf("backwards resync output lacks %q:\n%s", want, out)
	}
}

// TestDriftReportSerialOnce: an imported token is named by its serial;
// the report shows it once (issue 8).
func TestDriftReportSerialOnce(t *testing.T) {
	h := newHarness(t)
	h.run("user", "add", "alice")
	h.run("import", "--no-assign", h.file("t.csv", azureCSV(",TK001,"+otpcore.EncodeBase32(seedA)+",30,Token2,C202")))
	h.run("assign", "TK001", "alice")
	if out := h.run("drift"); strings.Count(out, "TK001") != 1 {
		t.Errorf("the serial is not shown once:\n%s", out)
	}
}
