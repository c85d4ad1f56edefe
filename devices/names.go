package devices

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// NormalizeUserName is the form a user name is stored and looked up in:
// surrounding white space removed (a name pasted with a trailing blank is
// the same person) and Unicode NFC, so "é" typed as one code point or as
// "e" plus a combining accent is the same name.
func NormalizeUserName(s string) string {
	return norm.NFC.String(strings.TrimFunc(s, unicode.IsSpace))
}

// UserNameKey is what two names that a person would read as the same have
// in common: compatibility forms folded (NFKC turns full-width "Ａ", circled
// "ⓐ" and the like into plain letters) and case folded. Full Unicode case
// folding (cases.Fold), not strings.ToLower, because lowering maps only
// upper to lower case: it leaves "ß" and "SS", or final "ς" and "σ", apart,
// where folding brings them together. NFKC runs again after folding, as in
// Unicode's NFKC_Casefold, because folding can produce text NFKC would
// still change. The key is never shown; it decides which new names are
// refused as look-alikes of existing ones.
func UserNameKey(s string) string {
	k := norm.NFKC.String(NormalizeUserName(s))
	return norm.NFKC.String(cases.Fold().String(k))
}
