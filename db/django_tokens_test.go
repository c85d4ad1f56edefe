package db_test

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/internal/djangofixture"
)

// An inventory token assigned on a Django site is named "default" when
// its new owner has no device of that name, so django-two-factor-auth
// asks for it at login (its default_device); otherwise it keeps its
// serial. Back in the inventory it is its serial again, and the next
// owner's devices decide its name afresh.
func TestDjangoAssignNamesTheTokenDefault(t *testing.T) {
	forEachSchema(t, func(t *testing.T, e *djangoEnv) {
		for _, u := range []string{"alice", "bob", "carol"} {
			e.addUser(u)
		}
		e.mustAdd("bob", e.totp("default", []byte("12345678901234567890")))
		for _, serial := range []string{"SN1", "SN2"} {
			tok := e.totp("token "+serial, []byte("seed-of-"+serial+"-123456789"))
			tok.Hardware, tok.Serial, tok.Confirmed = true, serial, false
			if _, err := e.st.ImportTokens(bg, "tester", []db.ImportItem{{Origin: serial, Device: tok}}, db.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		name := func(user, serial string) string {
			t.Helper()
			ds, err := e.st.Devices(bg, user)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ds {
				if d.Serial == serial {
					return d.Name
				}
			}
			t.Fatalf("%s has no token %s", user, serial)
			return ""
		}
		enabled := func(user string) bool {
			t.Helper()
			st, err := e.st.Statuses(bg, []string{user})
			if err != nil {
				t.Fatal(err)
			}
			return st[0].Enabled
		}
		assign := func(serial, user string) {
			t.Helper()
			if err := e.st.AssignToken(bg, "tester", serial, user); err != nil {
				t.Fatal(err)
			}
		}

		assign("SN1", "alice")
		if got := name("alice", "SN1"); got != "default" || !enabled("alice") {
			t.Errorf("alice's only device, token SN1, is named %q (enabled %v): want default, enabled", got, enabled("alice"))
		}
		assign("SN2", "bob")
		if got := name("bob", "SN2"); got != "SN2" {
			t.Errorf("bob has a default device; his token SN2 is named %q, want its serial", got)
		}
		if err := e.st.UnassignToken(bg, "tester", "SN1"); err != nil {
			t.Fatal(err)
		}
		inv, err := e.st.Tokens(bg, db.TokenFilter{Unassigned: true})
		if err != nil || len(inv) != 1 || inv[0].Name != "SN1" {
			t.Errorf("SN1 back in the inventory: %+v %v (want it named by its serial)", inv, err)
		}
		assign("SN1", "carol")
		if got := name("carol", "SN1"); got != "default" || !enabled("carol") {
			t.Errorf("carol's only device, token SN1, is named %q: want default", got)
		}
		// The assignment is audited under the id the token now has in
		// Django, the id its later verifications are audited under.
		ds, err := e.st.Devices(bg, "carol")
		if err != nil || len(ds) != 1 {
			t.Fatalf("carol's devices: %v %v", ds, err)
		}
		es, err := e.st.Audit(bg, db.AuditFilter{User: "carol", Action: "token.assign"})
		if err != nil || len(es) != 1 || es[0].DeviceID != ds[0].ID || es[0].Device != "default" {
			t.Errorf("the assignment's audit entry: %+v %v, want device %d named default", es, err, ds[0].ID)
		}
		e.checkDjangoLoads(t)
	})
}

// import --replace of a token that is a device of a Django user (assigned,
// used by the site's logins) is refused, naming the user, and the whole
// import with it: neither file changes, the site's key and last_t stay.
func TestDjangoImportReplaceOfAnAssignedTokenChangesNothing(t *testing.T) {
	e := newDjangoEnv(t, djangofixture.Schema113)
	e.addUser("alice")
	tok := func(serial, seed string) *devices.Device {
		d := e.totp("token "+serial, []byte(seed))
		d.Hardware, d.Serial, d.Confirmed = true, serial, false
		return d
	}
	first := tok("SN1", "first-seed-of-SN1-12")
	first.User = "alice"
	if _, err := e.st.ImportTokens(bg, "tester", []db.ImportItem{{Origin: "l1", Device: first}}, db.ImportOptions{Assign: true}); err != nil {
		t.Fatal(err)
	}
	e.exec("UPDATE otp_totp_totpdevice SET last_t = 59000000") // a login Django accepted
	before := e.fileSums()
	items := []db.ImportItem{{Origin: "l1", Device: tok("SN2", "seed-of-SN2-12345678")}, {Origin: "l2", Device: tok("SN1", "second-seed-of-SN1-1")}}
	_, err := e.st.ImportTokens(bg, "tester", items, db.ImportOptions{Replace: true})
	if !errors.Is(err, db.ErrUnavailable) || !strings.Contains(err.Error(), "alice") || !strings.Contains(err.Error(), "SN1") {
		t.Fatalf("replacing alice's token: %v", err)
	}
	if e.fileSums() != before {
		t.Fatal("the refused import changed a file")
	}
	if n := e.count("SELECT count(*) FROM otp_totp_totpdevice WHERE key = ? AND last_t = 59000000", hex.EncodeToString([]byte("first-seed-of-SN1-12"))); n != 1 {
		t.Fatal("alice's device changed")
	}
}
