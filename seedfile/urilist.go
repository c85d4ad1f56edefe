package seedfile

import (
	"bytes"
	"strings"

	"github.com/two-factor/two-factor/otpcore"
)

// parseURIList reads otpauth:// URIs, one a line; blank lines and lines
// starting with '#' are skipped. otpcore.ParseURI's messages never quote
// the URI, which carries the secret.
func parseURIList(data []byte, opt *Options) ([]Token, error) {
	max := opt.maxTokens()
	var toks []Token
	n := 0
	for len(data) > 0 {
		n++
		var raw []byte
		raw, data, _ = bytes.Cut(data, []byte{'\n'})
		s := strings.TrimSpace(string(raw))
		if s == "" || s[0] == '#' {
			continue
		}
		where := lineRef(n)
		if len(toks) >= max {
			return nil, tooMany(where, max)
		}
		if len(s) >= 20 && strings.EqualFold(s[:20], "otpauth-migration://") {
			return nil, errAt(where, "a Google Authenticator export (otpauth-migration://) is not supported; export the accounts one by one as otpauth:// URIs")
		}
		k, err := otpcore.ParseURI(s)
		if err != nil {
			return nil, &Error{Where: where, Err: err}
		}
		t := Token{
			Origin:    where,
			Kind:      k.Kind,
			Algorithm: k.Algorithm,
			Digits:    k.Digits,
			Secret:    k.Secret,
			Period:    k.Period,
			Counter:   k.Counter,
			User:      strings.TrimSpace(k.Account),
			Issuer:    strings.TrimSpace(k.Issuer),
		}
		if err := t.Validate(); err != nil {
			return nil, &Error{Where: where, Err: err}
		}
		toks = append(toks, t)
	}
	return toks, nil
}
