package devices

// Label names a device in one short phrase for a report row: its serial
// then its name, or just one of them when the name is the serial (an
// imported token is named by it) or there is no serial.
func (d *Device) Label() string {
	switch {
	case d.Serial == "" || d.Name == d.Serial:
		return d.Name
	case d.Name == "":
		return d.Serial
	}
	return d.Serial + " " + d.Name
}
