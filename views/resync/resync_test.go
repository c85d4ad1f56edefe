package resync_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/resync"
	"github.com/two-factor/two-factor/views/users"
)

// setup enrolls a token for alice whose clock has run `actual` steps ahead
// (the store believes 3) and opens the resync screen on it.
func setup(t *testing.T, w, h int) (*tuitest.Env, *tuitest.App, *resync.Model, *devices.Device) {
	t.Helper()
	e := tuitest.NewEnv(t)
	e.AddUser(t, "alice")
	tok := e.Token(t, "alice", "SN0042", "c200", 3)
	c := e.Common(w, h)
	a := tuitest.NewApp(c, users.New(c))
	ds, err := e.Svc.Devices(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	m := resync.New(c, "alice", ds[0])
	a.Send(tui.PushMsg{View: m})
	return e, a, m, tok
}

// typeCodes types two consecutive codes of a token whose clock runs drift
// steps ahead: the second is the one it shows now.
func typeCodes(t *testing.T, e *tuitest.Env, a *tuitest.App, tok *devices.Device, drift int64) {
	t.Helper()
	now := e.Clock.Now()
	a.Type(servicetest.Code(t, tok, now, drift-tok.Drift-1))
	a.Keys("tab")
	a.Type(servicetest.Code(t, tok, now, drift-tok.Drift))
}

func stored(t *testing.T, e *tuitest.Env) *devices.Device {
	t.Helper()
	ds, err := e.Svc.Devices(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	return ds[0]
}

func TestGolden(t *testing.T) {
	for _, sz := range tuitest.Sizes {
		t.Run("input/"+sz.Name, func(t *testing.T) {
			e, a, _, tok := setup(t, sz.W, sz.H)
			typeCodes(t, e, a, tok, 20)
			tuitest.Golden(t, a.Frame())
		})
		t.Run("found/"+sz.Name, func(t *testing.T) {
			e, a, _, tok := setup(t, sz.W, sz.H)
			typeCodes(t, e, a, tok, 20)
			a.Keys("enter")
			tuitest.Golden(t, a.Frame())
		})
	}
}

func TestFindShowThenSave(t *testing.T) {
	e, a, m, tok := setup(t, 80, 24)
	typeCodes(t, e, a, tok, 20)
	a.Keys("enter")
	p := m.Plan()
	if p == nil {
		t.Fatalf("nothing found:\n%s", a.Frame())
	}
	if p.Result.Match.Offset != 17 || p.Result.NewDrift != 20 || p.Result.OldDrift != 3 {
		t.Fatalf("plan %+v", p.Result)
	}
	frame := a.Frame()
	for _, want := range []string{"moved     8 min 30 s ahead (+17 steps) of the stored drift", "clock now 10 min ahead (+20 steps)", "was       1 min 30 s ahead (+3 steps)"} {
		if !strings.Contains(frame, want) {
			t.Errorf("frame lacks %q:\n%s", want, frame)
		}
	}
	if d := stored(t, e); d.Drift != 3 {
		t.Fatalf("the search saved drift %d before confirmation", d.Drift)
	}
	a.Keys("enter")
	if d := stored(t, e); d.Drift != 20 {
		t.Fatalf("after enter the stored drift is %d, want 20", d.Drift)
	}
	if a.Root.Top() == tui.View(m) {
		t.Error("the screen should close after saving")
	}
	if got := a.Root.StatusLine().Text; !strings.Contains(got, "clock 1 min 30 s ahead (+3 steps) → 10 min ahead (+20 steps)") {
		t.Errorf("status %q", got)
	}
	es, _ := e.Svc.Audit(context.Background(), db.AuditFilter{Action: "device.resync"})
	if len(es) != 1 || es[0].Detail != "drift +3 -> +20 steps" {
		t.Errorf("audit %+v", es)
	}
}

func TestDiscardSavesNothing(t *testing.T) {
	e, a, m, tok := setup(t, 80, 24)
	typeCodes(t, e, a, tok, 20)
	a.Keys("enter", "esc")
	if m.Plan() != nil || stored(t, e).Drift != 3 {
		t.Fatal("esc after the search should discard it")
	}
	if !strings.Contains(a.Frame(), "discarded: nothing was saved") {
		t.Errorf("frame:\n%s", a.Frame())
	}
}

func TestWiderWindow(t *testing.T) {
	e, a, m, tok := setup(t, 120, 40)
	typeCodes(t, e, a, tok, 5000) // 41 hours ahead: outside ±1 day
	a.Keys("enter")
	if m.Plan() != nil || !strings.Contains(a.Frame(), "no matching position") {
		t.Fatalf("the default window should not reach +5000 steps:\n%s", a.Frame())
	}
	a.Keys("right", "enter") // ±1 week
	if p := m.Plan(); p == nil || p.Result.NewDrift != 5000 {
		t.Fatalf("±1 week: %+v\n%s", p, a.Frame())
	}
}

func TestStaleSearchIsRefused(t *testing.T) {
	e, a, m, tok := setup(t, 80, 24)
	typeCodes(t, e, a, tok, 20)
	a.Keys("enter")
	e.Update(t, "alice", func(u *db.Unit) error { // a login moves the token meanwhile
		d := u.Devices[0]
		d.Drift = 4
		u.Save(d)
		return nil
	})
	a.Keys("enter")
	if d := stored(t, e); d.Drift != 4 {
		t.Fatalf("a stale plan overwrote drift %d", d.Drift)
	}
	if !strings.Contains(a.Frame(), "changed since the search") || a.Root.Top() != tui.View(m) {
		t.Fatalf("frame:\n%s", a.Frame())
	}
}

func TestHOTPToken(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.AddUser(t, "bob")
	tok := e.Enroll(t, "bob", service.EnrollOptions{Token: &devices.TokenSpec{
		Kind: devices.HOTP, Serial: "H1", Algorithm: otpcore.SHA1, Digits: 6, Secret: []byte("12345678901234567890"),
	}})
	c := e.Common(80, 24)
	a := tuitest.NewApp(c, users.New(c))
	ds, _ := e.Svc.Devices(context.Background(), "bob")
	m := resync.New(c, "bob", ds[0])
	a.Send(tui.PushMsg{View: m})
	a.Type(servicetest.Code(t, tok, e.Clock.Now(), 40))
	a.Keys("tab")
	a.Type(servicetest.Code(t, tok, e.Clock.Now(), 41))
	a.Keys("enter")
	if p := m.Plan(); p == nil || p.Result.NewCounter != tok.Counter+42 {
		t.Fatalf("HOTP plan %+v\n%s", p, a.Frame())
	}
	a.Keys("enter")
	ds, _ = e.Svc.Devices(context.Background(), "bob")
	if ds[0].Counter != tok.Counter+42 {
		t.Fatalf("counter %d", ds[0].Counter)
	}
}

// TestNoMatchWrapsAndSaysWhatToTry: at 80 columns the whole error reads,
// and it names the next steps (issue 8: cut at 80 columns, no advice).
func TestNoMatchWrapsAndSaysWhatToTry(t *testing.T) {
	e, a, _, tok := setup(t, 80, 24)
	typeCodes(t, e, a, tok, 5000) // outside the default window
	a.Keys("enter")
	frame := a.Frame()
	flat := strings.Join(strings.Fields(frame), " ")
	for _, want := range []string{"no matching position", "wider window with ←→", "consecutive", "clock"} {
		if !strings.Contains(flat, want) {
			t.Errorf("frame lacks %q:\n%s", want, frame)
		}
	}
	if strings.Contains(frame, "…") {
		t.Errorf("a line is cut:\n%s", frame)
	}
}

// TestFarDriftWarns: a token 200 days ahead reads in days, with a warning
// that its clock or the codes are likely wrong, before anything is saved.
func TestFarDriftWarns(t *testing.T) {
	e, a, m, tok := setup(t, 80, 24)
	typeCodes(t, e, a, tok, 200*24*120)
	a.Keys("right", "right", "enter") // ±1 year
	if m.Plan() == nil {
		t.Fatalf("not found:\n%s", a.Frame())
	}
	flat := strings.Join(strings.Fields(a.Frame()), " ")
	for _, want := range []string{"200 days ahead", "likely set wrong"} {
		if !strings.Contains(flat, want) {
			t.Errorf("frame lacks %q:\n%s", want, a.Frame())
		}
	}
}

// TestBackwardsResyncSaysWhenCodesWork: the replay floor never goes down,
// so moving the drift back means waiting; the screen says until when,
// before saving and in the status line after.
func TestBackwardsResyncSaysWhenCodesWork(t *testing.T) {
	e, a, m, tok := setup(t, 120, 40)
	typeCodes(t, e, a, tok, 200)
	a.Keys("right", "enter", "enter") // ±1 week; save +200
	if d := stored(t, e); d.Drift != 200 {
		t.Fatalf("drift %d after the first resync", d.Drift)
	}
	floor := e.Clock.Now().Unix()/30 + 200
	e.Clock.Advance(time.Minute)
	m = resync.New(a.Root.Common(), "alice", stored(t, e))
	a.Send(tui.PushMsg{View: m})
	tok.Drift = 200 // what typeCodes counts from
	typeCodes(t, e, a, tok, 0)
	a.Keys("right", "enter")
	want := "accepted again from " + time.Unix((floor+1)*30, 0).In(e.Clock.Now().Location()).Format("2006-01-02 15:04")
	if flat := strings.Join(strings.Fields(a.Frame()), " "); !strings.Contains(flat, want) {
		t.Errorf("frame lacks %q:\n%s", want, a.Frame())
	}
	a.Keys("enter")
	if got := a.Root.StatusLine().Text; !strings.Contains(got, "accepted again from") {
		t.Errorf("status %q", got)
	}
}
