package otpcore

import (
	"bytes"
	"strings"
)

// defaultParams are otpauth parameters that say what an app assumes when
// they are absent (Key Uri Format: SHA1, 6 digits, 30 s).
var defaultParams = map[string]bool{"algorithm=SHA1": true, "digits=6": true, "period=30": true}

// CompactURI drops parameters that only repeat the defaults. That makes
// the QR code of a typical enrollment one version smaller (37 modules
// instead of 41), which is what lets it fit an 80×24 terminal, beside its
// text in the console and above it in the CLI. The result is used only if
// it parses back to exactly the same key; otherwise the URI is returned
// unchanged.
func CompactURI(uri string) string {
	base, query, ok := strings.Cut(uri, "?")
	if !ok {
		return uri
	}
	var kept []string
	for _, p := range strings.Split(query, "&") {
		if !defaultParams[p] {
			kept = append(kept, p)
		}
	}
	short := base + "?" + strings.Join(kept, "&")
	a, errA := ParseURI(uri)
	b, errB := ParseURI(short)
	if errA != nil || errB != nil || !sameKey(a, b) {
		return uri
	}
	return short
}

func sameKey(a, b KeyURI) bool {
	return a.Kind == b.Kind && a.Issuer == b.Issuer && a.Account == b.Account &&
		bytes.Equal(a.Secret, b.Secret) && a.Algorithm == b.Algorithm &&
		a.Digits == b.Digits && a.Period == b.Period && a.Counter == b.Counter
}
