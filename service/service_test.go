package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
)

var ctx = context.Background()

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newService(t *testing.T, dir string) (*Service, *clock) {
	t.Helper()
	// TWO_FACTOR_TEST_GROUP_COMMIT=1: as the verifier opens the store.
	group := os.Getenv("TWO_FACTOR_TEST_GROUP_COMMIT") == "1"
	st, err := db.Open(ctx, filepath.Join(dir, "store.db"), db.Options{KeyFile: filepath.Join(dir, "master.key"), Create: true, GroupCommit: group})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	return &Service{store: st, Actor: "tester", Now: c.now}, c
}

// enroll confirms a TOTP app for user and returns its secret.
func enroll(t *testing.T, s *Service, c *clock, user string) []byte {
	t.Helper()
	e, err := s.StartEnrollment(ctx, user, EnrollOptions{CreateUser: true})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Confirm(ctx, e, code(t, e.Device.Secret, c.t, 0), true)
	if err != nil || !r.Accepted() {
		t.Fatalf("confirm: %v %v", r.Outcome, err)
	}
	return e.Device.Secret
}

func code(t testing.TB, secret []byte, at time.Time, drift int64) string {
	t.Helper()
	c, err := otpcore.HOTP(otpcore.SHA1, secret, uint64(at.Unix()/30+drift), 6)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEnrollmentStoresNothingUntilConfirmed(t *testing.T) {
	s, c := newService(t, t.TempDir())
	e, err := s.StartEnrollment(ctx, "alice", EnrollOptions{CreateUser: true})
	if err != nil {
		t.Fatal(err)
	}
	k, err := otpcore.ParseURI(e.URI)
	if err != nil || k.Account != "alice" || string(k.Secret) != string(e.Device.Secret) {
		t.Fatalf("enrollment URI %v: %+v", err, k)
	}
	if st, _ := s.Status(ctx, []string{"alice"}); st[0].Exists {
		t.Fatal("the user was created before the enrollment was confirmed")
	}
	r, err := s.Confirm(ctx, e, "000000", true)
	if err != nil || r.Accepted() {
		t.Fatalf("wrong first code: %v %v", r.Outcome, err)
	}
	if st, _ := s.Status(ctx, []string{"alice"}); st[0].Exists {
		t.Fatal("a wrong first code stored something")
	}
	r, err = s.Confirm(ctx, e, code(t, e.Device.Secret, c.t, 0), true)
	if err != nil || !r.Accepted() {
		t.Fatalf("right first code: %v %v", r.Outcome, err)
	}
	st, _ := s.Status(ctx, []string{"alice"})
	if !st[0].Enabled {
		t.Fatal("alice should have 2FA enabled after confirming")
	}
	// The confirming code cannot be replayed.
	if v, _ := s.Verify(ctx, "alice", "", code(t, e.Device.Secret, c.t, 0)); v.Accepted() {
		t.Fatal("the confirmation code was accepted again")
	}
}

func TestBackupCodesDoNotThrottleAppAndViceVersa(t *testing.T) {
	s, c := newService(t, t.TempDir())
	secret := enroll(t, s, c, "alice")
	codes, err := s.BackupCodes(ctx, "alice")
	if err != nil || len(codes) != 10 {
		t.Fatalf("backup codes: %v %d", err, len(codes))
	}
	c.t = c.t.Add(time.Minute)
	// A wrong numeric code counts against the app only.
	if v, _ := s.Verify(ctx, "alice", "", "111111"); v.Outcome != devices.Rejected {
		t.Fatalf("wrong code: %v", v.Outcome)
	}
	ds, _ := s.store.Devices(ctx, "alice")
	for _, d := range ds {
		want := 0
		if d.Kind == devices.TOTP {
			want = 1
		}
		if d.Failures != want {
			t.Fatalf("%s has %d failures, want %d", d.Name, d.Failures, want)
		}
	}
	// The backup device is not throttled by the app's failure.
	v, err := s.Verify(ctx, "alice", "", codes[0])
	if err != nil || !v.Accepted() || v.Device.Kind != devices.Backup {
		t.Fatalf("backup code: %+v %v", v, err)
	}
	if v, _ := s.Verify(ctx, "alice", "", codes[0]); v.Accepted() {
		t.Fatal("a backup code worked twice")
	}
	c.t = c.t.Add(time.Hour)
	if v, _ := s.Verify(ctx, "alice", "", code(t, secret, c.t, 0)); !v.Accepted() {
		t.Fatalf("the app after backup-code use: %v", v.Outcome)
	}
}

func TestVerifyThrottleAndLockoutThroughTheStore(t *testing.T) {
	s, c := newService(t, t.TempDir())
	secret := enroll(t, s, c, "alice")
	if err := s.store.SetSetting(ctx, "tester", "lockout-threshold", "3"); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(time.Minute)
	s.Verify(ctx, "alice", "", "111111")
	v, _ := s.Verify(ctx, "alice", "", code(t, secret, c.t, 0))
	if v.Outcome != devices.Throttled || v.RetryAfter != time.Second {
		t.Fatalf("right code inside the back-off: %+v", v)
	}
	for i := 0; i < 2; i++ {
		c.t = c.t.Add(time.Hour)
		s.Verify(ctx, "alice", "", "111111")
	}
	c.t = c.t.Add(time.Hour)
	v, _ = s.Verify(ctx, "alice", "", code(t, secret, c.t, 0))
	if v.Outcome != devices.LockedOut {
		t.Fatalf("after 3 failures: %v", v.Outcome)
	}
	if _, err := s.ChangeDevice(ctx, "alice", "authenticator", ActionUnlock, ""); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Verify(ctx, "alice", "", code(t, secret, c.t, 0)); !v.Accepted() {
		t.Fatalf("after unlock: %v", v.Outcome)
	}
	entries, _ := s.store.Audit(ctx, db.AuditFilter{Action: "device."})
	var outcomes []string
	for _, e := range entries {
		outcomes = append(outcomes, e.Action+":"+e.Outcome)
	}
	got := strings.Join(outcomes, " ")
	for _, want := range []string{"device.verify:locked-out", "device.unlock:ok", "device.verify:throttled", "device.verify:accepted"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit lacks %s: %s", want, got)
		}
	}
}

func TestMalformedCodesAndUnknownUsers(t *testing.T) {
	s, c := newService(t, t.TempDir())
	enroll(t, s, c, "alice")
	for _, bad := range []string{"12345x", "12;456", "", "     "} {
		if _, err := s.Verify(ctx, "alice", "", bad); !errors.Is(err, devices.ErrMalformedCode) {
			t.Errorf("code %q: %v", bad, err)
		}
	}
	// Unknown names and devices are rejected like wrong codes (see Verify).
	if r, err := s.Verify(ctx, "nobody", "", "123456"); err != nil || r.Outcome != devices.Rejected || r.Device != nil {
		t.Fatalf("unknown user: %+v %v", r, err)
	}
	if r, err := s.Verify(ctx, "alice", "nope", "123456"); err != nil || r.Outcome != devices.Rejected || r.Device != nil {
		t.Fatalf("unknown device: %+v %v", r, err)
	}
	if es, _ := s.store.Audit(ctx, db.AuditFilter{Action: "device.verify"}); len(es) != 2 || !strings.HasPrefix(es[1].Detail, "unknown user; ") || !strings.Contains(es[0].Detail, "nope") {
		t.Fatalf("rejections of unknown names not audited with the reason: %+v", es)
	}
	ds, _ := s.store.Devices(ctx, "alice")
	if ds[0].Failures != 0 {
		t.Fatal("malformed input counted as a failure")
	}
}

func TestResyncThroughTheStore(t *testing.T) {
	s, c := newService(t, t.TempDir())
	secret := enroll(t, s, c, "alice")
	// The token's clock jumps 2000 steps (~17 h) ahead.
	c.t = c.t.Add(time.Hour)
	c1, c2 := code(t, secret, c.t, 1999), code(t, secret, c.t, 2000)
	if v, _ := s.Verify(ctx, "alice", "", c2); v.Accepted() {
		t.Fatal("a code 2000 steps ahead passed ordinary verification")
	}
	res, d, err := s.Resync(ctx, "alice", []string{c1, c2}, ResyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.NewDrift != 2000 || d.Drift != 2000 {
		t.Fatalf("resync found drift %d", res.NewDrift)
	}
	c.t = c.t.Add(30 * time.Second)
	if v, _ := s.Verify(ctx, "alice", "", code(t, secret, c.t, 2000)); !v.Accepted() {
		t.Fatalf("after resync: %v", v.Outcome)
	}
	hist, _ := s.store.DriftHistory(ctx, d.ID)
	if len(hist) < 2 || hist[len(hist)-1].Drift != 2000 {
		t.Fatalf("drift history %+v", hist)
	}
}

// The cross-process test: several processes verify the same valid code at
// the same moment; exactly one may succeed.
func TestMain(m *testing.M) {
	if os.Getenv("TF_TEST_CHILD") == "verify" {
		os.Exit(childVerify())
	}
	os.Exit(m.Run())
}

func childVerify() int {
	dir := os.Getenv("TF_TEST_DIR")
	// KeepWAL as `two-factor verify` opens it: the processes leave their
	// commits in the WAL, and the next one must still see them.
	st, err := db.Open(ctx, filepath.Join(dir, "store.db"), db.Options{KeyFile: filepath.Join(dir, "master.key"), BusyTimeout: 10 * time.Second, KeepWAL: true})
	if err != nil {
		fmt.Println("error:", err)
		return 2
	}
	defer st.Close()
	start, _ := strconv.ParseInt(os.Getenv("TF_TEST_START"), 10, 64)
	time.Sleep(time.Until(time.Unix(0, start)))
	s := &Service{store: st, Actor: "child", Now: time.Now}
	r, err := s.Verify(ctx, "alice", "", os.Getenv("TF_TEST_CODE"))
	if err != nil {
		fmt.Println("error:", err)
		return 2
	}
	fmt.Println(r.Outcome)
	return 0
}

func TestCodeAcceptedExactlyOnceAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	st, err := db.Open(ctx, filepath.Join(dir, "store.db"), db.Options{KeyFile: filepath.Join(dir, "master.key"), Create: true})
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{store: st, Actor: "tester", Now: time.Now}
	e, err := s.StartEnrollment(ctx, "alice", EnrollOptions{CreateUser: true})
	if err != nil {
		t.Fatal(err)
	}
	// Confirm with the previous step's code so the current one is fresh.
	prev := time.Now().Add(-30 * time.Second)
	if r, err := s.Confirm(ctx, e, code(t, e.Device.Secret, prev, 0), true); err != nil || !r.Accepted() {
		t.Fatalf("confirm: %v %v", r.Outcome, err)
	}
	st.Close()
	fresh := code(t, e.Device.Secret, time.Now(), 0)

	const n = 4
	start := time.Now().Add(700 * time.Millisecond).UnixNano()
	outs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "TF_TEST_CHILD=verify", "TF_TEST_DIR="+dir,
				"TF_TEST_CODE="+fresh, fmt.Sprintf("TF_TEST_START=%d", start))
			out, err := cmd.CombinedOutput()
			outs[i] = strings.TrimSpace(string(out))
			if err != nil {
				outs[i] += " (" + err.Error() + ")"
			}
		}()
	}
	wg.Wait()
	accepted := 0
	for _, o := range outs {
		switch o {
		case "accepted":
			accepted++
		case "rejected", "throttled": // a replay counts as a failure, so later ones may be throttled
		default:
			t.Fatalf("child said %q", o)
		}
	}
	if accepted != 1 {
		t.Fatalf("%d processes accepted the same code, want exactly 1: %v", accepted, outs)
	}
}
