package enroll

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/tui"
)

// field is one line of the hardware token form: a text input or a choice.
type field struct {
	label   string
	input   *tui.Input // nil for a choice
	options []string
	chosen  int
	hint    string
}

func (f *field) value() string {
	if f.input != nil {
		return strings.TrimSpace(f.input.Value())
	}
	return f.options[f.chosen]
}

// Field indexes of the token form.
const (
	fSerial = iota
	fModel
	fSeed
	fFormat
	fType
	fDigits
	fPeriod
	fCounter
	nFields
)

// tokenForm collects what a hardware token needs: its serial and factory
// seed (typed or pasted; never shown), and its parameters.
type tokenForm struct {
	fields [nFields]*field
	focus  int
}

func newTokenForm(c *tui.Common) *tokenForm {
	in := func(placeholder string, limit int, secret bool) *tui.Input {
		ti := tui.NewInput(c, "", placeholder)
		ti.CharLimit = limit
		ti.SetWidth(34)
		if secret {
			ti.EchoMode = textinput.EchoPassword
			ti.EchoCharacter = '•'
		}
		return ti
	}
	f := &tokenForm{}
	f.fields[fSerial] = &field{label: "Serial", input: in("printed on the token", devices.MaxNameLen, false)}
	f.fields[fModel] = &field{label: "Model", input: in("optional, e.g. c200", devices.MaxNameLen, false), hint: "optional"}
	f.fields[fSeed] = &field{label: "Seed", input: in("paste or type the factory seed", 256, true), hint: "hidden as you type"}
	f.fields[fFormat] = &field{label: "Seed is", options: []string{"base32", "hex"}}
	f.fields[fType] = &field{label: "Type", options: []string{"TOTP", "HOTP"}}
	f.fields[fDigits] = &field{label: "Digits", options: []string{"6", "8"}}
	f.fields[fPeriod] = &field{label: "Step", options: []string{"30 s", "60 s"}}
	f.fields[fCounter] = &field{label: "Counter", input: in("0", 20, false), hint: "the token's next counter, usually 0"}
	return f
}

// shown lists the fields that apply (the step for TOTP, the counter for HOTP).
func (f *tokenForm) shown() []int {
	out := []int{fSerial, fModel, fSeed, fFormat, fType, fDigits}
	if f.fields[fType].value() == "HOTP" {
		return append(out, fCounter)
	}
	return append(out, fPeriod)
}

func (f *tokenForm) focusCmd() tea.Cmd {
	var cmd tea.Cmd
	for i, fl := range f.fields {
		if fl.input == nil {
			continue
		}
		if i == f.focus {
			cmd = fl.input.Focus()
		} else {
			fl.input.Blur()
		}
	}
	return cmd
}

// move goes to the next or previous shown field; it reports false when
// moving past the last one.
func (f *tokenForm) move(delta int) (tea.Cmd, bool) {
	shown := f.shown()
	pos := 0
	for i, idx := range shown {
		if idx == f.focus {
			pos = i
		}
	}
	pos += delta
	if pos >= len(shown) {
		return nil, false
	}
	f.focus = shown[max(0, pos)]
	return f.focusCmd(), true
}

func (f *tokenForm) toggle(delta int) {
	fl := f.fields[f.focus]
	if fl.input != nil {
		return
	}
	fl.chosen = (fl.chosen + delta + len(fl.options)) % len(fl.options)
}

func (f *tokenForm) update(msg tea.Msg) tea.Cmd {
	fl := f.fields[f.focus]
	if fl.input == nil {
		return nil
	}
	return fl.input.Update(msg)
}

// spec validates the form and builds the token's description.
func (f *tokenForm) spec() (*devices.TokenSpec, error) {
	serial := f.fields[fSerial].value()
	if err := devices.ValidateName("serial", serial); err != nil {
		return nil, err
	}
	model := f.fields[fModel].value()
	if model != "" {
		if err := devices.ValidateName("model", model); err != nil {
			return nil, err
		}
	}
	text := f.fields[fSeed].value()
	if text == "" {
		return nil, errors.New("the seed is empty: paste or type the token's factory seed")
	}
	decode := otpcore.DecodeBase32
	if f.fields[fFormat].value() == "hex" {
		decode = otpcore.DecodeHex
	}
	seed, err := decode(text)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	digits, _ := strconv.Atoi(f.fields[fDigits].value())
	spec := &devices.TokenSpec{
		Kind: devices.TOTP, Serial: serial, Model: model, SeedSource: devices.SeedFactory,
		Algorithm: otpcore.SHA1, Digits: digits, Step: 30, Secret: seed,
	}
	if f.fields[fPeriod].value() == "60 s" {
		spec.Step = 60
	}
	if f.fields[fType].value() == "HOTP" {
		spec.Kind, spec.Step = devices.HOTP, 0
		if s := f.fields[fCounter].value(); s != "" {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("counter %q is not a whole number", tui.Safe(s))
			}
			spec.Counter = n
		}
	}
	return spec, nil
}

// wipe forgets the typed seed.
func (f *tokenForm) wipe() { f.fields[fSeed].input.SetValue("") }

func (f *tokenForm) view(c *tui.Common) string {
	s := c.Styles
	var b strings.Builder
	for _, idx := range f.shown() {
		fl := f.fields[idx]
		marker := "  "
		if idx == f.focus {
			marker = s.Key.Render("› ")
		}
		b.WriteString(marker + s.Muted.Render(fmt.Sprintf("%-8s ", fl.label)))
		if fl.input != nil {
			b.WriteString(fl.input.View())
		} else {
			for i, o := range fl.options {
				if i == fl.chosen {
					b.WriteString(s.Strong.Render("(•) "+o) + "  ")
				} else {
					b.WriteString(s.Muted.Render("( ) "+o) + "  ")
				}
			}
		}
		if fl.hint != "" && idx == f.focus {
			b.WriteString(s.Muted.Render("  " + fl.hint))
		}
		b.WriteString("\n")
	}
	return b.String()
}
