package service

import (
	"testing"

	"github.com/two-factor/two-factor/db"
)

// A verifier serving network callers must audit which caller asked, not
// the OS user it runs as; without a source nothing changes.
func TestVerifyAuditsTheCallersSource(t *testing.T) {
	s, c := newService(t, t.TempDir())
	enroll(t, s, c, "alice")
	if _, err := s.Verify(WithSource(ctx, "radius client 10.0.0.5 (NAS-Identifier vpn1)"), "alice", "", "000000"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(WithSource(ctx, "radius client 10.0.0.5"), "nobody", "", "000000"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(ctx, "alice", "", "000000"); err != nil {
		t.Fatal(err)
	}
	es, err := s.store.Audit(ctx, db.AuditFilter{Action: "device.verify"})
	if err != nil {
		t.Fatal(err)
	}
	var actors []string
	for _, e := range es {
		actors = append(actors, e.Actor)
	}
	want := map[string]bool{"radius client 10.0.0.5 (NAS-Identifier vpn1)": true, "radius client 10.0.0.5": true, "tester": true}
	for _, a := range actors {
		delete(want, a)
	}
	if len(want) != 0 {
		t.Errorf("audit actors %q miss %v", actors, want)
	}
}
