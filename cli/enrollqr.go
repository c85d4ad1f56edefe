package cli

import (
	"fmt"
	"io"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/qrtext"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/themes"
)

// screenHeight is the terminal the enroll output is made to fit: the QR
// code's top must not scroll away before it is scanned.
const screenHeight = 24

// printQR prints an app's enrollment in at most 24 lines: a heading, the
// QR code (of the URI without default parameters, one version smaller:
// 21 lines for a typical account), the secret and then the prompt. The
// URI itself, which the code holds, is left to --no-qr.
func (a *app) printQR(out io.Writer, e *service.Enrollment, user string) {
	paint, heading := a.qrPaint()
	if heading == "" {
		heading = fmt.Sprintf("Scan with %s's %s app, or type the secret:", safe(user), appKind(e))
	}
	lines, _, height := qrtext.Lines(otpcore.CompactURI(e.URI), paint)
	fmt.Fprintln(out, heading)
	for _, l := range lines {
		fmt.Fprintln(out, l)
	}
	fmt.Fprintf(out, "Secret: %s\n", otpcore.GroupBase32(otpcore.EncodeBase32(e.Device.Secret)))
	if height+3 > screenHeight {
		fmt.Fprintf(out, "The code is %d lines high: on a %d-line terminal scroll back to scan it, or use --no-qr and type the secret (a shorter account name or issuer makes a smaller code).\n",
			height, screenHeight)
	}
}

func appKind(e *service.Enrollment) string {
	if e.Device.Kind == devices.HOTP {
		return "HOTP"
	}
	return "authenticator"
}

// qrPaint chooses how to draw the code: explicit colours unless NO_COLOR
// (or TERM=dumb) forbids them; then for the background --theme names,
// dark unless it says light, with a heading that says so, because without
// colour a code drawn for the wrong background reads inverted.
func (a *app) qrPaint() (qrtext.Paint, string) {
	if a.env.Getenv("NO_COLOR") == "" && a.env.Getenv("TERM") != "dumb" {
		return qrtext.Colours, ""
	}
	if name, err := themes.Parse(a.theme); err == nil && name == themes.Light {
		return qrtext.ForLight, "No colour: drawn for a light background (--theme light); use --theme dark on a dark one."
	}
	return qrtext.ForDark, "No colour: drawn for a dark background; if it does not scan, add --theme light."
}
