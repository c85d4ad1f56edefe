package db_test

import (
	"strings"
	"testing"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/internal/djangofixture"
)

// A site that switched its database to WAL keeps it so: two-factor's
// connections (side file in rollback-journal mode, the site attached)
// never set the site's journal mode, and status, verify and disable work
// on it, each change and its audit entry written.
func TestDjangoSiteInWALModeStaysInWAL(t *testing.T) {
	path := djangofixture.Load(t, "", djangofixture.Schema113)
	site := djangofixture.Open(t, path)
	var mode string
	if err := site.DB.QueryRow("PRAGMA journal_mode = WAL").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("switching the site to WAL: %q %v", mode, err)
	}
	alice := site.User(t, "alice")
	site.TOTP(t, alice, "default", true, []byte("12345678901234567890"))
	site.Static(t, alice, "backup", "abcdefgh")
	st := openDjango(t, path, nil)
	sts, err := st.Statuses(bg, []string{"alice"})
	if err != nil || len(sts) != 1 || !sts[0].Enabled {
		t.Fatalf("status on a WAL site: %+v %v", sts, err)
	}
	if err := st.Update(bg, "tester", "alice", func(u *db.Unit) error {
		d, _ := u.Find("backup")
		d.Codes = nil
		u.Save(d)
		u.Audit("device.verify", d, "accepted", "")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n := site.Count(t, "SELECT count(*) FROM otp_static_statictoken"); n != 0 {
		t.Errorf("static tokens after the change: %d", n)
	}
	if _, err := st.DisableUsers(bg, "tester", []string{"alice"}); err != nil {
		t.Fatal(err)
	}
	if n := site.Count(t, "SELECT count(*) FROM otp_totp_totpdevice"); n != 0 {
		t.Errorf("devices after disable: %d", n)
	}
	entries, err := st.Audit(bg, db.AuditFilter{})
	if err != nil || len(entries) < 2 {
		t.Errorf("audit entries: %d %v", len(entries), err)
	}
	if err := djangofixture.Open(t, path).DB.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || !strings.EqualFold(mode, "wal") {
		t.Fatalf("the site's journal mode after two-factor's writes: %q %v", mode, err)
	}
}
