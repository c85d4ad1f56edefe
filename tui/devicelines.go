package tui

import (
	"fmt"

	"github.com/two-factor/two-factor/devices"
)

// DeviceLine describes one device for a confirmation, safely: what will be
// removed or changed, by kind, name, serial and id.
func DeviceLine(d *devices.Device) string {
	switch {
	case d.Kind == devices.Backup:
		return fmt.Sprintf("backup codes (%d unused, device %d)", len(d.Codes), d.ID)
	case d.Hardware:
		return fmt.Sprintf("%s %s serial %s (device %d): unassigned, back to the token inventory",
			Safe(d.KindLabel()), Quoted(d.Name), Safe(d.Serial), d.ID)
	}
	return fmt.Sprintf("%s %s (device %d)", Safe(d.KindLabel()), Quoted(d.Name), d.ID)
}
