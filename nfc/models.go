package nfc

import (
	"fmt"
	"strings"
)

// Model is a programmable Token2 model, recognised by its serial prefix.
type Model struct {
	// Prefix is the first seven digits of the serial.
	Prefix string
	// Name is the vendor's model name, e.g. "C302-i".
	Name string
	// RestrictedSync is true on models where writing the configuration
	// (the only way to set the clock) erases the seed: after a clock sync
	// such a token must be burned again.
	RestrictedSync bool
}

// models is the vendor's own table (Token2 NFC Burner v3 and keyroost agree):
// only these prefixes are programmed. Unrestricted sync is confirmed for
// miniOTP-2-i, OTPC-P1-i and C302-i; every other model clears its seed.
var models = []Model{
	{"8659612", "OTPC-P1-i", false},
	{"8659622", "OTPC-P2-i", true},
	{"8659621", "OTPC-P2-i-NB", true},
	{"8659600", "miniOTP-2-i", false},
	{"8659601", "miniOTP-3-i", true},
	{"8659609", "miniOTP-3-i-NB", true},
	{"8659610", "C301-i", true},
	{"8659632", "C302-i", false},
}

// Models returns the supported models, for help texts.
func Models() []Model { return append([]Model(nil), models...) }

// UnknownModelError is returned for a serial whose prefix names no supported
// model. errors.Is(err, ErrUnknownModel) holds.
type UnknownModelError struct{ Serial string }

func (e *UnknownModelError) Error() string {
	prefix := e.Serial
	if len(prefix) > 7 {
		prefix = prefix[:7]
	}
	return fmt.Sprintf("serial prefix %s is not a supported programmable Token2 model; nothing was written, because the wrong model's commands can damage a token", prefix)
}

func (e *UnknownModelError) Is(target error) bool { return target == ErrUnknownModel }

// ModelForSerial returns the model a serial belongs to.
func ModelForSerial(serial string) (Model, error) {
	for _, m := range models {
		if strings.HasPrefix(serial, m.Prefix) && len(serial) > len(m.Prefix) {
			return m, nil
		}
	}
	return Model{}, &UnknownModelError{Serial: serial}
}
