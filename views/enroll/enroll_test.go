package enroll_test

import (
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/enroll"
	"github.com/two-factor/two-factor/views/users"
)

// setup opens the user list with the enrollment screen for user on top.
func setup(t *testing.T, w, h int, user string) (*tuitest.Env, *tuitest.App, *enroll.Model) {
	t.Helper()
	e := tuitest.NewEnv(t)
	e.Seed(t)
	c := e.Common(w, h)
	a := tuitest.NewApp(c, users.New(c))
	m := enroll.New(c, user)
	a.Send(tui.PushMsg{View: m})
	return e, a, m
}

// fixed is an enrollment with a known secret, so frames are repeatable.
func fixed(t *testing.T, e *tuitest.Env, user string, kind devices.Kind) *service.Enrollment {
	t.Helper()
	en, err := e.Svc.StartEnrollment(context.Background(), user, service.EnrollOptions{Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	en.Device.Secret = []byte("two-factor console!!")
	if en.URI, err = en.Device.KeyURI("Example", user).String(); err != nil {
		t.Fatal(err)
	}
	return en
}

func TestGolden(t *testing.T) {
	sizes := append(tuitest.Sizes, struct {
		Name string
		W, H int
	}{"60x20", 60, 20})
	for _, sz := range sizes {
		t.Run("choose/"+sz.Name, func(t *testing.T) {
			_, a, _ := setup(t, sz.W, sz.H, "carol")
			tuitest.Golden(t, a.Frame())
		})
		t.Run("app/"+sz.Name, func(t *testing.T) {
			e, a, m := setup(t, sz.W, sz.H, "carol")
			a.Run(m.Start(fixed(t, e, "carol", devices.TOTP)))
			tuitest.Golden(t, a.Frame())
		})
		t.Run("token/"+sz.Name, func(t *testing.T) {
			_, a, _ := setup(t, sz.W, sz.H, "carol")
			a.Keys("down", "enter")
			a.Type("SN7")
			a.Keys("tab", "tab")
			a.Send(tea.PasteMsg{Content: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"})
			tuitest.Golden(t, a.Frame())
		})
	}
}

func TestAppEnrollmentConfirms(t *testing.T) {
	e, a, m := setup(t, 80, 24, "carol")
	a.Keys("enter")
	en := m.Enrollment()
	if en == nil || en.URI == "" {
		t.Fatalf("no enrollment after choosing an app:\n%s", a.Frame())
	}
	frame := a.Frame()
	if !strings.Contains(frame, "▀") || !strings.Contains(frame, "█") {
		t.Fatalf("no QR code drawn at 80x24:\n%s", frame)
	}
	secret := otpcore.GroupBase32(otpcore.EncodeBase32(en.Device.Secret))
	if !strings.Contains(strings.ReplaceAll(frame, "\n", " "), secret[:19]) {
		t.Errorf("the grouped secret is not shown:\n%s", frame)
	}
	if ds, _ := e.Svc.Devices(context.Background(), "carol"); len(ds) != 0 {
		t.Fatal("a device was stored before its first code")
	}

	// Nothing typed: asked for the code (wrapped beside the QR code), nothing checked.
	a.Keys("enter")
	if !strings.Contains(a.Frame(), "✗ Type the code the device shows") {
		t.Fatalf("enter without a code:\n%s", a.Frame())
	}
	a.Type("12a")
	a.Keys("enter")
	if f := a.Frame(); !strings.Contains(f, "✗") || strings.Contains(f, "✗ Type the code") {
		t.Fatalf("a malformed code is not reported:\n%s", a.Frame())
	}
	a.Type("000000")
	if code := servicetest.Code(t, en.Device, e.Clock.Now(), 0); code == "000000" {
		t.Skip("the random secret happens to give 000000 now")
	}
	a.Keys("enter")
	if !strings.Contains(a.Frame(), "That code is not right") {
		t.Fatalf("a wrong code is not reported:\n%s", a.Frame())
	}
	a.Type(servicetest.Code(t, en.Device, e.Clock.Now(), 0))
	a.Keys("enter")
	ds, err := e.Svc.Devices(context.Background(), "carol")
	if err != nil || len(ds) != 1 || !ds[0].Confirmed || ds[0].Name != "authenticator" {
		t.Fatalf("after the right code: %v %v", ds, err)
	}
	if a.Root.Top() == tui.View(m) {
		t.Error("the enrollment screen should close once confirmed")
	}
	if got := a.Root.StatusLine().Text; !strings.HasPrefix(got, `confirmed: carol now has TOTP app "authenticator"`) {
		t.Errorf("status %q", got)
	}
	if !strings.Contains(a.Frame(), "✓ enabled") {
		t.Errorf("the user list does not show carol enabled:\n%s", a.Frame())
	}
}

func TestCancelLeavesNothing(t *testing.T) {
	for _, keys := range [][]string{{"enter"}, {"down", "down", "enter"}} {
		e, a, m := setup(t, 120, 40, "carol")
		a.Keys(keys...)
		en := m.Enrollment()
		if en == nil {
			t.Fatalf("%v: no enrollment", keys)
		}
		a.Keys("esc")
		if a.Root.Top() == tui.View(m) {
			t.Fatalf("%v: esc did not close the screen", keys)
		}
		if ds, _ := e.Svc.Devices(context.Background(), "carol"); len(ds) != 0 {
			t.Fatalf("%v: cancelling left %d devices", keys, len(ds))
		}
		if got := a.Root.StatusLine().Text; got != "enrollment cancelled: nothing was stored" {
			t.Errorf("status %q", got)
		}
		for _, b := range en.Device.Secret {
			if b != 0 {
				t.Fatal("the cancelled secret is still in memory")
			}
		}
	}
}

func TestHOTPApp(t *testing.T) {
	e, a, m := setup(t, 120, 40, "carol")
	a.Keys("3")
	en := m.Enrollment()
	if en == nil || en.Device.Kind != devices.HOTP || !strings.HasPrefix(m.URI(), "otpauth://hotp/") {
		t.Fatalf("3 should enroll a HOTP app: %+v", en)
	}
	a.Type(servicetest.Code(t, en.Device, e.Clock.Now(), 0))
	a.Keys("enter")
	ds, _ := e.Svc.Devices(context.Background(), "carol")
	if len(ds) != 1 || ds[0].Kind != devices.HOTP || ds[0].Counter != 1 {
		t.Fatalf("HOTP app after its first code: %+v", ds)
	}
}

func TestHardwareToken(t *testing.T) {
	e, a, m := setup(t, 80, 24, "carol")
	a.Keys("2")
	a.Type("SN7")
	a.Keys("tab")
	a.Type("c100")
	a.Keys("tab")
	a.Send(tea.PasteMsg{Content: "3132333435363738393031323334353637383930"})
	if strings.Contains(a.Frame(), "31323334") {
		t.Fatalf("the seed is echoed:\n%s", a.Frame())
	}
	a.Keys("tab", "right") // hex
	a.Keys("enter", "enter", "enter", "enter")
	en := m.Enrollment()
	if en == nil {
		t.Fatalf("the form did not start an enrollment:\n%s\nstatus %+v", a.Frame(), a.Root.StatusLine())
	}
	if string(en.Device.Secret) != "12345678901234567890" || en.Device.Serial != "SN7" || en.URI != "" {
		t.Fatalf("token enrollment %+v", en.Device)
	}
	if !strings.Contains(a.Frame(), "Confirm TOTP token serial SN7 for carol") {
		t.Errorf("frame:\n%s", a.Frame())
	}
	a.Type(servicetest.Code(t, en.Device, e.Clock.Now(), 0))
	a.Keys("enter")
	ds, _ := e.Svc.Devices(context.Background(), "carol")
	if len(ds) != 1 || ds[0].Serial != "SN7" || ds[0].Model != "c100" || !ds[0].Hardware {
		t.Fatalf("stored token: %+v", ds)
	}
}

func TestTokenFormRejectsBadSeed(t *testing.T) {
	e, a, m := setup(t, 80, 24, "carol")
	a.Keys("2")
	a.Type("SN8")
	a.Keys("tab", "tab")
	a.Type("not base32!")
	a.Keys("enter", "enter", "enter", "enter", "enter")
	if m.Enrollment() != nil {
		t.Fatal("a bad seed started an enrollment")
	}
	if got := a.Root.StatusLine(); got.Level != tui.Error || !strings.Contains(got.Text, "seed") {
		t.Errorf("status %+v", got)
	}
	_ = e
}

func TestBackupCodesChoice(t *testing.T) {
	_, a, _ := setup(t, 80, 24, "carol")
	a.Keys("4")
	if got := a.Root.Top().Title(); got != "Backup codes" {
		t.Fatalf("4 opened %q", got)
	}
	if a.Root.Depth() != 2 {
		t.Errorf("the enrollment screen should be replaced, depth %d", a.Root.Depth())
	}
}
