package tui_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/service/servicetest"
	"github.com/two-factor/two-factor/themes"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/users"
)

// flow runs the console as a real Bubble Tea program (teatest) on a real
// store, with the colour profile pinned.
type flow struct {
	t    *testing.T
	e    *tuitest.Env
	tm   *teatest.TestModel
	seen []byte // all output so far
}

func startFlow(t *testing.T, e *tuitest.Env, profile colorprofile.Profile, choice themes.Choice) *flow {
	t.Helper()
	c := e.Common(120, 40, choice)
	tm := teatest.NewTestModel(t, tui.New(c, users.New(c)),
		teatest.WithInitialTermSize(120, 40),
		teatest.WithProgramOptions(tea.WithColorProfile(profile)))
	f := &flow{t: t, e: e, tm: tm}
	t.Cleanup(func() {
		tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	})
	return f
}

// waitFor waits until the screen output (escape sequences removed) has
// shown text.
func (f *flow) waitFor(text string) {
	f.t.Helper()
	teatest.WaitFor(f.t, f.tm.Output(), func(b []byte) bool {
		all := append(bytes.Clone(f.seen), b...)
		if strings.Contains(ansi.Strip(string(all)), text) {
			f.seen = all
			return true
		}
		return false
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// until polls the store (safe to read while the program runs).
func (f *flow) until(what string, cond func() bool) {
	f.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	f.t.Fatalf("timed out waiting for %s", what)
}

func (f *flow) keys(keys ...string) {
	for _, k := range keys {
		f.tm.Send(tuitest.Key(k))
	}
}

func (f *flow) final() *tui.Model {
	f.t.Helper()
	f.tm.Quit()
	return f.tm.FinalModel(f.t, teatest.WithFinalTimeout(5*time.Second)).(*tui.Model)
}

var dark = themes.Choice{Name: themes.Dark, IsDark: true}

func TestFlowEnrollAndConfirm(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.Seed(t)
	f := startFlow(t, e, colorprofile.ANSI256, dark)
	f.waitFor("6 users")
	f.keys("down", "down", "n") // carol
	f.waitFor("Enroll a device for carol")
	f.keys("enter")
	f.waitFor("Code:")
	m := regexp.MustCompile(`secret=([A-Z2-7]+)`).FindStringSubmatch(ansi.Strip(string(f.seen)))
	if m == nil {
		t.Fatalf("no secret on screen:\n%s", ansi.Strip(string(f.seen)))
	}
	key, err := otpcore.DecodeBase32(m[1])
	if err != nil {
		t.Fatal(err)
	}
	code, _ := otpcore.HOTP(otpcore.SHA1, key, uint64(otpcore.DefaultTOTP.StepAt(e.Clock.Now().Unix())), 6)
	f.tm.Type(code)
	f.keys("enter")
	f.until("carol's device", func() bool {
		ds, _ := e.Svc.Devices(context.Background(), "carol")
		return len(ds) == 1 && ds[0].Confirmed
	})
	f.waitFor("confirmed: carol now has TOTP app")
	if top := f.final().Top().Title(); top != "Users" {
		t.Errorf("after confirming, the screen on top is %q", top)
	}
}

func TestFlowResync(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.AddUser(t, "alice")
	tok := e.Token(t, "alice", "SN0042", "c200", 3)
	f := startFlow(t, e, colorprofile.ANSI256, dark)
	f.waitFor("1 user")
	f.keys("enter")
	f.waitFor("serial SN0042")
	f.keys("s")
	f.waitFor("Code 1:")
	now := e.Clock.Now()
	f.tm.Type(servicetest.Code(t, tok, now, 9))
	f.keys("tab")
	f.tm.Type(servicetest.Code(t, tok, now, 10))
	f.keys("enter")
	f.waitFor("Found the token")
	f.waitFor("5 min ahead (+10 steps)") // the offset from the stored drift
	f.keys("enter")
	f.until("the new drift", func() bool {
		ds, _ := e.Svc.Devices(context.Background(), "alice")
		return ds[0].Drift == 13
	})
	f.waitFor("resynchronised")
	if top := f.final().Top().Title(); top != "alice" {
		t.Errorf("after saving, the screen on top is %q", top)
	}
}

func TestFlowDisable(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.Seed(t)
	f := startFlow(t, e, colorprofile.ANSI256, dark)
	f.waitFor("6 users")
	f.keys("D")
	f.waitFor("This removes:")
	f.keys("y")
	f.until("alice's devices to go", func() bool {
		ds, err := e.Svc.Devices(context.Background(), "alice")
		return err == nil && len(ds) == 0
	})
	f.waitFor("3 devices removed")
	if st, _ := e.Svc.Status(context.Background(), []string{"alice"}); st[0].Enabled {
		t.Error("alice still has 2FA")
	}
	f.final()
}

func TestFlowFilterNoColor(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.Seed(t)
	f := startFlow(t, e, colorprofile.Ascii, themes.Choice{Name: themes.Auto, NoColor: true})
	f.waitFor("6 users")
	f.keys("/")
	f.tm.Type("dav")
	f.waitFor("1 of 6 match")
	f.keys("enter", "enter")
	f.waitFor("authenticator")
	root := f.final()
	if got := root.Top().Title(); got != "dave" {
		t.Errorf("enter on the filtered list opened %q", got)
	}
	if tuitest.HasColour(string(f.seen)) {
		t.Error("colour in the NO_COLOR program output")
	}
	if !strings.Contains(ansi.Strip(string(f.seen)), "! throttled") {
		t.Error("dave's throttling is not said in words")
	}
}
