package seedfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/two-factor/two-factor/otpcore"
)

// Parse reads a whole seed file from r and returns its tokens in file
// order. The format is detected from the content unless opt.Format names
// one. Every returned token has passed Token.Validate, and no two share a
// non-empty serial.
func Parse(r io.Reader, opt Options) ([]Token, error) {
	max := opt.maxBytes()
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, &Error{Err: fmt.Errorf("reading: %w", err)}
	}
	if int64(len(data)) > max {
		return nil, &Error{Err: fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)}
	}
	return ParseBytes(data, opt)
}

// ParseBytes is Parse for a file already in memory.
func ParseBytes(data []byte, opt Options) ([]Token, error) {
	if max := opt.maxBytes(); int64(len(data)) > max {
		return nil, &Error{Err: fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)}
	}
	data, err := stripBOM(data)
	if err != nil {
		return nil, err
	}
	f := opt.Format
	if f == FormatAuto {
		if f, err = Detect(data); err != nil {
			return nil, err
		}
	}
	var toks []Token
	switch f {
	case FormatAzure:
		toks, err = parseAzure(data, &opt)
	case FormatOATHCSV:
		toks, err = parseOATHCSV(data, &opt)
	case FormatCSV:
		toks, err = parseNativeCSV(data, &opt)
	case FormatURIList:
		toks, err = parseURIList(data, &opt)
	case FormatPSKC:
		toks, err = parsePSKC(data, &opt)
	default:
		return nil, &Error{Err: fmt.Errorf("unknown format %v", f)}
	}
	if err != nil {
		return nil, err
	}
	if err := checkDuplicates(toks); err != nil {
		return nil, err
	}
	if err := checkStartTimes(toks, opt.now()); err != nil {
		return nil, err
	}
	return toks, nil
}

// checkStartTimes refuses a TOTP start time too far in the future: such a
// token would show no usable code until then. (Token.Validate has already
// refused one before 1970.)
func checkStartTimes(toks []Token, now time.Time) error {
	for i := range toks {
		if toks[i].Kind != otpcore.KindTOTP {
			continue
		}
		if err := otpcore.ValidateT0(toks[i].T0, now.Unix()); err != nil {
			return &Error{Where: toks[i].Origin, Err: err}
		}
	}
	return nil
}

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// stripBOM removes a UTF-8 byte-order mark (spreadsheets write one) and
// refuses UTF-16, which "Unicode text" exports produce.
func stripBOM(data []byte) ([]byte, error) {
	if bytes.HasPrefix(data, bomUTF8) {
		return data[len(bomUTF8):], nil
	}
	if bytes.HasPrefix(data, bomUTF16LE) || bytes.HasPrefix(data, bomUTF16BE) {
		return nil, &Error{Err: errors.New("the file is UTF-16 text; save it as UTF-8 (or CSV UTF-8) and try again")}
	}
	return data, nil
}

// Detect tells the format of a seed file from its content (a UTF-8 BOM is
// allowed). It looks at the first non-blank line only.
func Detect(data []byte) (Format, error) {
	data, err := stripBOM(data)
	if err != nil {
		return 0, err
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return 0, &Error{Err: errors.New("the file is empty")}
	}
	if trimmed[0] == '<' {
		return FormatPSKC, nil
	}
	if isVersion2(data) {
		return FormatOATHCSV, nil
	}
	line, _ := firstLine(data)
	if line == "" {
		return 0, &Error{Err: errors.New("the file has only comments")}
	}
	lower := strings.ToLower(line)
	if strings.HasPrefix(lower, "otpauth://") || strings.HasPrefix(lower, "otpauth-migration://") {
		return FormatURIList, nil
	}
	fields := splitCSVLine(line)
	names := make(map[string]bool, len(fields))
	for _, f := range fields {
		names[normHeader(f)] = true
	}
	switch {
	case names["secretkey"]:
		return FormatAzure, nil
	case names["secret"] && names["type"]:
		return FormatCSV, nil
	case len(fields) >= 2 && looksHex(fields[1]):
		return FormatOATHCSV, nil
	case len(fields) >= 3 && (strings.EqualFold(fields[2], "totp") || strings.EqualFold(fields[2], "hotp")):
		return FormatOATHCSV, nil // a row whose seed is broken: let the parser say where
	}
	return 0, &Error{Where: "line 1", Err: errors.New("cannot tell the format: expected a Microsoft CSV header " +
		"(upn,serial number,secret key,time interval,manufacturer,model), an OATH CSV row (serial, hex seed, type, ...), " +
		"a two-factor CSV header, an otpauth:// URI or PSKC XML; name the format explicitly")}
}

// firstLine returns the first line that is neither blank nor a '#'
// comment, trimmed, and its 1-based number.
func firstLine(data []byte) (string, int) {
	n := 0
	for len(data) > 0 {
		n++
		var line []byte
		line, data, _ = bytes.Cut(data, []byte{'\n'})
		s := strings.TrimSpace(string(line))
		if s == "" || s[0] == '#' {
			continue
		}
		return s, n
	}
	return "", 0
}

// isVersion2 reports whether the first non-blank line is privacyIDEA's
// "# version: 2" marker.
func isVersion2(data []byte) bool {
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte{'\n'})
		s := strings.TrimSpace(string(line))
		if s == "" {
			continue
		}
		if s[0] != '#' {
			return false
		}
		s = strings.ToLower(strings.Join(strings.Fields(s[1:]), ""))
		return s == "version:2"
	}
	return false
}

// splitCSVLine splits one line with the delimiter the file appears to use.
func splitCSVLine(line string) []string {
	r := csv.NewReader(strings.NewReader(line))
	r.Comma = delimiterOf(line)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	rec, err := r.Read()
	if err != nil {
		return nil
	}
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	return rec
}

// delimiterOf guesses the field separator: spreadsheets in many European
// locales write ';' instead of ','.
func delimiterOf(line string) rune {
	if !strings.Contains(line, ",") && strings.Contains(line, ";") {
		return ';'
	}
	return ','
}

func looksHex(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(s) < 2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ' ') {
			return false
		}
	}
	return true
}

// normHeader folds a header cell for comparison: "Serial Number",
// "serial_number" and "SerialNumber" are the same column.
func normHeader(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case ' ', '_', '-', '\t', '"':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func checkDuplicates(toks []Token) error {
	seen := make(map[string]int, len(toks))
	for i := range toks {
		s := toks[i].Serial
		if s == "" {
			continue
		}
		if j, ok := seen[s]; ok {
			return errAt(toks[i].Origin, "serial %s already appears at %s", quoteShort(s), toks[j].Origin)
		}
		seen[s] = i
	}
	return nil
}

// quoteShort quotes an identifier (a serial, a Key Id) for a message,
// cutting absurdly long ones.
func quoteShort(s string) string {
	const max = 64
	if len(s) > max {
		cut := max
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		return fmt.Sprintf("%q...", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}

func tooMany(where string, max int) error {
	return &Error{Where: where, Err: fmt.Errorf("%w: more than %d tokens", ErrTooLarge, max)}
}
