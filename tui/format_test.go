package tui_test

import (
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/two-factor/two-factor/themes"
	"github.com/two-factor/two-factor/tui"
)

func TestCell(t *testing.T) {
	for _, tc := range []struct {
		in   string
		w    int
		want string
	}{
		{"abc", 5, "abc  "}, {"abcdef", 4, "abc…"}, {"日本語", 4, "日… "}, {"x", 0, ""},
	} {
		if got := tui.Cell(tc.in, tc.w); got != tc.want || ansi.StringWidth(got) != tc.w {
			t.Errorf("Cell(%q, %d) = %q", tc.in, tc.w, got)
		}
	}
	if got := tui.CellRight("7", 4); got != "   7" {
		t.Errorf("CellRight = %q", got)
	}
	if got := tui.TruncateLeft("/very/long/path/store.db", 10); got != "…/store.db" {
		t.Errorf("TruncateLeft = %q", got)
	}
}

func TestSafe(t *testing.T) {
	if got := tui.Safe("a\x1b[2Jb\u202e"); got != `a\x1b[2Jb\u202e` {
		t.Errorf("Safe = %q", got)
	}
	if got := tui.Quoted("a\x07"); got != `"a\x07"` {
		t.Errorf("Quoted = %q", got)
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 11, 22, 14, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		10 * time.Second: "just now", 5 * time.Minute: "5m ago", 3 * time.Hour: "3h ago",
		47 * time.Hour: "47h ago", 3 * 24 * time.Hour: "3d ago", 90 * 24 * time.Hour: "2026-08-24",
	} {
		if got := tui.Ago(now, now.Add(-d)); got != want {
			t.Errorf("Ago(-%v) = %q, want %q", d, got, want)
		}
	}
	if got := tui.Ago(now, time.Time{}); got != "never" {
		t.Errorf("zero time: %q", got)
	}
}

func TestNumbers(t *testing.T) {
	if got := tui.Thousands(100000); got != "100,000" {
		t.Error(got)
	}
	if got := tui.Thousands(-1234567); got != "-1,234,567" {
		t.Error(got)
	}
	if got := tui.Plural(1, "device", "devices") + "/" + tui.Plural(2, "device", "devices"); got != "1 device/2 devices" {
		t.Error(got)
	}
}

func TestSparkline(t *testing.T) {
	if got := tui.Sparkline([]int64{0, 1, 2, 3, 4, 5, 6, 7}, 10); got != "▁▂▃▄▅▆▇█" {
		t.Errorf("rising: %q", got)
	}
	if got := tui.Sparkline([]int64{-3, 3}, 10); got != "▁█" {
		t.Errorf("negative: %q", got)
	}
	if got := tui.Sparkline([]int64{2, 2, 2}, 10); got != "▅▅▅" {
		t.Errorf("flat: %q", got)
	}
	if got := tui.Sparkline([]int64{9, 0, 1, 2}, 3); got != "▁▄█" {
		t.Errorf("last three: %q", got)
	}
}

func TestWrapAndFit(t *testing.T) {
	got := tui.Wrap("otpauth://totp/Example:alice?secret=ABCDEFGH", 16)
	if strings.Join(got, "") != "otpauth://totp/Example:alice?secret=ABCDEFGH" || len(got) != 3 {
		t.Errorf("Wrap = %q", got)
	}
	block := tui.FitBlock("a\nbbbbbbbb\nc\nd", 4, 3)
	if block != "a\nbbbb\nc" {
		t.Errorf("FitBlock cut = %q", block)
	}
	if got := tui.FitBlock("a", 4, 3); got != "a\n\n" {
		t.Errorf("FitBlock pad = %q", got)
	}
}

func TestShortHelpNeverOverflows(t *testing.T) {
	s := themes.Choice{Name: themes.Dark}.Styles()
	var bs []key.Binding
	for _, k := range []string{"a", "b", "c", "d", "e", "f"} {
		bs = append(bs, key.NewBinding(key.WithKeys(k), key.WithHelp(k, "does something")))
	}
	for w := 0; w < 120; w++ {
		if got := ansi.StringWidth(tui.ShortHelp(s, bs, w)); got > w {
			t.Fatalf("width %d: %d cells", w, got)
		}
	}
	if got := ansi.Strip(tui.ShortHelp(s, bs, 40)); got != "a does something · b does something …" {
		t.Errorf("cut: %q", got)
	}
}
