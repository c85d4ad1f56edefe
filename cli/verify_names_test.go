package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// A caller of verify must not learn whether a user exists, or has a
// device, from anything verify shows: stdout, stderr, the --json keys or
// the exit status. Only the audit log (for the administrator) says why.
func TestVerifyDoesNotTellNamesApart(t *testing.T) {
	h := newHarness(t)
	h.enroll("alice")
	h.run("user", "add", "bob") // a user without any device
	h.enroll("carol")
	h.run("device", "disable", "carol", "authenticator") // her only app, switched off by an admin
	// A throttled device says so (and so tells its owner exists) once a
	// name has failed; that is the price of telling a real user why they
	// wait. Here every name gets a first try at each shape of code.
	h.run("config", "set", "throttle-factor", "0")
	h.now = h.now.Add(time.Hour)

	type result struct {
		out, errs string
		code      int
		keys      []string
	}
	run := func(user, code string, json_ bool) result {
		args := []string{"verify", user, code}
		if json_ {
			args = []string{"verify", "--json", user, code}
		}
		out, errs, rc := h.exec("", args...)
		r := result{strings.ReplaceAll(out, user, "USER"), strings.ReplaceAll(errs, user, "USER"), rc, nil}
		if json_ {
			var j map[string]any
			if err := json.Unmarshal([]byte(out), &j); err != nil {
				r.keys = []string{"not JSON: " + out}
			}
			for k := range j {
				r.keys = append(r.keys, k)
			}
			slices.Sort(r.keys)
		}
		return r
	}
	users := map[string]string{"known user, wrong code": "alice", "known user, no device": "bob",
		"known user, device disabled": "carol", "unknown user": "nobody"}
	for _, c := range []struct {
		what, code string
		exit       int
	}{
		{"wrong code", "000000", ExitRejected},
		{"8 digits", "00000000", ExitRejected},
		{"backup code shape", "abcde-fghij", ExitRejected},
		{"malformed", "12a456", ExitError},
		{"too long", "0000000000000", ExitError},
	} {
		for _, asJSON := range []bool{false, true} {
			var first result
			var firstWho string
			for who, user := range users {
				r := run(user, c.code, asJSON)
				if r.code != c.exit {
					t.Errorf("%s, %s (json %v): exit %d, want %d\n%s%s", c.what, who, asJSON, r.code, c.exit, r.out, r.errs)
				}
				if firstWho == "" {
					first, firstWho = r, who
					continue
				}
				if r.out != first.out || r.errs != first.errs || !slices.Equal(r.keys, first.keys) || r.code != first.code {
					t.Errorf("%s (json %v): %s and %s can be told apart:\n%q %q %v %d\n%q %q %v %d", c.what, asJSON,
						firstWho, who, first.out, first.errs, first.keys, first.code, r.out, r.errs, r.keys, r.code)
				}
			}
		}
	}
	// Every rejected attempt is audited, the unknown name too, with the
	// reason for the administrator.
	var rows []struct {
		User    string `json:"user"`
		Outcome string `json:"outcome"`
		Detail  string `json:"detail"`
	}
	if err := json.Unmarshal([]byte(h.run("audit", "--json", "--action", "device.verify")), &rows); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, r := range rows {
		if r.Outcome != "rejected" {
			t.Errorf("audit row %+v", r)
		}
		count[r.User]++
		if r.User == "nobody" && !strings.HasPrefix(r.Detail, "unknown user; ") {
			t.Errorf("unknown user audited as %+v", r)
		}
		if r.User == "carol" && strings.Contains(r.Detail, "(disabled: authenticator)") {
			count["carol's disabled app"]++
		}
	}
	// 3 well-formed codes × 2 output modes for each name; malformed ones
	// are refused before any lookup, for every name alike.
	for _, n := range []string{"alice", "bob", "carol", "nobody"} {
		if count[n] != 6 {
			t.Errorf("%s: %d audited attempts, want 6 (%v)", n, count[n], count)
		}
	}
	// The 6-digit codes (2, one per output mode) would have been for
	// carol's app: the administrator reads that it is disabled.
	if count["carol's disabled app"] != 2 {
		t.Errorf("%d of carol's attempts audited as meant for her disabled app, want 2", count["carol's disabled app"])
	}
}

// A name that is not even a valid user name is audited bounded and inert.
func TestVerifyAuditsHostileUnknownNamesSafely(t *testing.T) {
	h := newHarness(t)
	hostile := "evil\x1b]0;pwned\x07" + strings.Repeat("x", 500)
	if _, _, code := h.exec("", "verify", hostile, "123456"); code != ExitRejected {
		t.Fatalf("exit %d", code)
	}
	var rows []struct {
		User string `json:"user"`
	}
	if err := json.Unmarshal([]byte(h.run("audit", "--json", "--action", "device.verify")), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("audit: %v %v", err, rows)
	}
	if u := rows[0].User; strings.ContainsAny(u, "\x1b\x07") || len(u) > 64 || !strings.HasPrefix(u, `evil\x1b]0;pwned`) {
		t.Fatalf("stored name %q", u)
	}
}

// TestLockedOutRunWithoutADeviceSuggestsNoUnlock: a name locked out with
// codes no device of it takes (an unknown name here) has no device to
// unlock, so verify does not tell the administrator to run `device
// unlock`, which would only fail; a real device's lockout still does.
func TestLockedOutRunWithoutADeviceSuggestsNoUnlock(t *testing.T) {
	h := newHarness(t)
	h.enroll("alice")
	h.run("config", "set", "throttle-factor", "0")
	h.run("config", "set", "lockout-threshold", "2")
	for _, user := range []string{"nobody", "alice"} {
		h.exec("", "verify", user, "000000")
		h.exec("", "verify", user, "000000")
	}
	out, _, code := h.exec("", "verify", "nobody", "000000")
	if code != ExitRejected || !strings.Contains(out, "locked out") || strings.Contains(out, "device unlock") {
		t.Errorf("unknown name locked out: exit %d, %q; want locked out, no unlock command", code, out)
	}
	out, _, code = h.exec("", "verify", "alice", "000000")
	if code != ExitRejected || !strings.Contains(out, "two-factor device unlock alice") {
		t.Errorf("alice's device locked out: exit %d, %q; want the unlock command", code, out)
	}
}
