package seedfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/two-factor/two-factor/otpcore"
)

// csvRows walks the records of a CSV file, giving each with its line
// number. Blank lines, '#' comments (when asked for) and rows of empty cells (spreadsheets
// leave them) are skipped. Cells are trimmed. Messages never quote a cell.
type csvRows struct {
	r   *csv.Reader
	max int
}

func newCSVRows(data []byte, opt *Options, comments bool) *csvRows {
	line, _ := firstLine(data)
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = delimiterOf(line)
	if comments {
		r.Comment = '#'
	}
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	return &csvRows{r: r, max: opt.maxTokens()}
}

// next returns the next non-empty record and its line, or io.EOF.
func (c *csvRows) next() ([]string, int, error) {
	for {
		rec, err := c.r.Read()
		if err == io.EOF {
			return nil, 0, io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				// pe.Err is one of encoding/csv's fixed errors: it quotes nothing.
				return nil, 0, errAt(fmt.Sprintf("line %d", pe.Line), "column %d: %v", pe.Column, pe.Err)
			}
			return nil, 0, &Error{Err: err}
		}
		line, _ := c.r.FieldPos(0)
		empty := true
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
			if rec[i] != "" {
				empty = false
			}
		}
		if empty {
			continue
		}
		return rec, line, nil
	}
}

func lineRef(n int) string { return "line " + strconv.Itoa(n) }

// mapHeader finds which field each header column names: col[field] is the
// column index, or -1 when the header lacks the field. An unknown or
// repeated column is an error naming the column.
func mapHeader(head []string, hline, fields int, field func(normalized string) (int, bool), known string) ([]int, error) {
	col := make([]int, fields)
	for i := range col {
		col[i] = -1
	}
	for i, h := range head {
		c, ok := field(normHeader(h))
		if !ok {
			return nil, errAt(lineRef(hline), "column %d of the header is not one of %s", i+1, known)
		}
		if col[c] >= 0 {
			return nil, errAt(lineRef(hline), "columns %d and %d of the header name the same field", col[c]+1, i+1)
		}
		col[c] = i
	}
	return col, nil
}

// headedRecords reads the data rows after a header of width columns,
// mapped by mapHeader, and turns each into a token with parse, which gets
// the row's place for messages and the row's value of a field.
func (c *csvRows) headedRecords(width int, col []int, parse func(where string, get func(field int) string) (Token, error)) ([]Token, error) {
	var toks []Token
	for {
		rec, line, err := c.next()
		if err == io.EOF {
			return toks, nil
		}
		if err != nil {
			return nil, err
		}
		where := lineRef(line)
		if len(toks) >= c.max {
			return nil, tooMany(where, c.max)
		}
		if len(rec) > width {
			return nil, errAt(where, "has %d fields but the header has %d", len(rec), width)
		}
		t, err := parse(where, func(f int) string {
			if i := col[f]; i >= 0 && i < len(rec) {
				return rec[i]
			}
			return ""
		})
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
	}
}

// ---------------------------------------------------------------------------
// Microsoft Entra hardware OATH CSV.

const (
	azUPN = iota
	azSerial
	azSecret
	azInterval
	azManufacturer
	azModel
	azColumns
)

var azureHeader = map[string]int{
	"upn":          azUPN,
	"serialnumber": azSerial,
	"serial":       azSerial,
	"secretkey":    azSecret,
	"timeinterval": azInterval,
	"manufacturer": azManufacturer,
	"model":        azModel,
}

// scientific matches a number a spreadsheet has rewritten, e.g. 2.45252E+11.
var scientific = regexp.MustCompile(`^[0-9]+([.,][0-9]+)?[eE]\+?[0-9]+$`)

func parseAzure(data []byte, opt *Options) ([]Token, error) {
	rows := newCSVRows(data, opt, true)
	head, hline, err := rows.next()
	if err == io.EOF {
		return nil, &Error{Err: errors.New("the file is empty (a Microsoft CSV starts with the header upn,serial number,secret key,time interval,manufacturer,model)")}
	}
	if err != nil {
		return nil, err
	}
	col, err := mapHeader(head, hline, azColumns, func(name string) (int, bool) {
		c, ok := azureHeader[name]
		return c, ok
	}, "upn, serial number, secret key, time interval, manufacturer, model (is the header row missing?)")
	if err != nil {
		return nil, err
	}
	if col[azSerial] < 0 || col[azSecret] < 0 {
		return nil, errAt(lineRef(hline), "the header needs the columns serial number and secret key")
	}
	alg := opt.Algorithm
	if alg != 0 && !alg.Valid() {
		return nil, &Error{Err: errors.New("the hash algorithm option is not SHA1, SHA256 or SHA512")}
	}
	digits := opt.digits()
	return rows.headedRecords(len(head), col, func(where string, get func(int) string) (Token, error) {
		var err error
		t := Token{
			Origin:       where,
			Serial:       get(azSerial),
			Kind:         otpcore.KindTOTP,
			Digits:       digits,
			Period:       DefaultPeriod,
			Manufacturer: get(azManufacturer),
			Model:        get(azModel),
			User:         get(azUPN),
		}
		if t.Serial == "" {
			return Token{}, errAt(where, "serial number is empty")
		}
		if scientific.MatchString(t.Serial) {
			return Token{}, errAt(where, "serial number is in scientific notation: a spreadsheet rewrote it and the real serial is lost; take the original file again and do not open it in a spreadsheet")
		}
		t.Secret, err = decodeAzureSecret(get(azSecret), opt.SecretEncoding)
		if err != nil {
			return Token{}, errAt(where, "secret key: %v", err)
		}
		if s := get(azInterval); s != "" {
			t.Period, err = strconv.ParseInt(s, 10, 64)
			if err != nil || t.Period <= 0 {
				return Token{}, errAt(where, "time interval must be a positive whole number of seconds")
			}
		}
		t.Algorithm = alg
		if t.Algorithm == 0 {
			// Token2's rule: a base32 secret of at most 32 characters (20
			// bytes) is HMAC-SHA1, a longer one HMAC-SHA256.
			t.Algorithm = otpcore.SHA1
			if len(t.Secret) > 20 {
				t.Algorithm = otpcore.SHA256
			}
		}
		if err := t.Validate(); err != nil {
			return Token{}, &Error{Where: where, Err: err}
		}
		return t, nil
	})
}

func decodeAzureSecret(s string, enc Encoding) ([]byte, error) {
	if s == "" {
		return nil, errors.New("is empty")
	}
	if enc == EncodingHex {
		k, err := otpcore.DecodeHex(s)
		if err != nil {
			return nil, errors.New(strings.TrimPrefix(err.Error(), "hex key: "))
		}
		return k, nil
	}
	k, err := otpcore.DecodeBase32(s)
	if err != nil {
		msg := "not base32: " + strings.TrimPrefix(err.Error(), "base32 key: ")
		if enc == EncodingDefault && looksHex(s) {
			msg += " (it looks like hex; Microsoft's format wants base32: choose the hex secret encoding to read it as hex)"
		}
		return nil, errors.New(msg)
	}
	return k, nil
}

// ---------------------------------------------------------------------------
// privacyIDEA / LinOTP OATH CSV.

func parseOATHCSV(data []byte, opt *Options) ([]Token, error) {
	// "# version: 2" puts user, resolver and realm before the usual columns.
	off := 0
	if isVersion2(data) {
		off = 3
	}
	alg := opt.Algorithm
	if alg != 0 && !alg.Valid() {
		return nil, &Error{Err: errors.New("the hash algorithm option is not SHA1, SHA256 or SHA512")}
	}
	rows := newCSVRows(data, opt, true)
	var toks []Token
	for {
		rec, line, err := rows.next()
		if err == io.EOF {
			return toks, nil
		}
		if err != nil {
			return nil, err
		}
		where := lineRef(line)
		if len(toks) >= rows.max {
			return nil, tooMany(where, rows.max)
		}
		if len(rec) < off+2 {
			if off > 0 {
				return nil, errAt(where, "needs at least user, resolver, realm, serial and seed")
			}
			return nil, errAt(where, "needs at least a serial and a seed")
		}
		if len(rec) > off+6 {
			return nil, errAt(where, "has %d fields; at most %d are known", len(rec), off+6)
		}
		get := func(i int) string {
			if off+i < len(rec) {
				return rec[off+i]
			}
			return ""
		}
		t := Token{Origin: where, Serial: get(0), Digits: DefaultDigits}
		if off > 0 {
			t.User = rec[0]
		}
		if t.Serial == "" {
			return nil, errAt(where, "serial is empty")
		}
		if t.Secret, err = otpcore.DecodeHex(get(1)); err != nil {
			return nil, errAt(where, "seed: not hex: %s", strings.TrimPrefix(err.Error(), "hex key: "))
		}
		switch strings.ToLower(get(2)) {
		case "", "hotp": // privacyIDEA's default type is HOTP
			t.Kind = otpcore.KindHOTP
		case "totp":
			t.Kind = otpcore.KindTOTP
		case "ocra", "ocra2", "tan":
			return nil, errAt(where, "OCRA and TAN tokens are not supported; only TOTP and HOTP")
		default:
			return nil, errAt(where, "column %d (type) must be totp or hotp", off+3)
		}
		if s := get(3); s != "" {
			if t.Digits, err = strconv.Atoi(s); err != nil {
				return nil, errAt(where, "column %d (digits) is not a whole number", off+4)
			}
		}
		if s := get(4); s != "" {
			if t.Kind == otpcore.KindTOTP {
				t.Period, err = strconv.ParseInt(s, 10, 64)
				if err != nil || t.Period <= 0 {
					return nil, errAt(where, "column %d (time step) must be a positive whole number of seconds", off+5)
				}
			} else if t.Counter, err = strconv.ParseUint(s, 10, 64); err != nil {
				return nil, errAt(where, "column %d (counter) must be a whole number, 0 or more", off+5)
			}
		} else if t.Kind == otpcore.KindTOTP {
			t.Period = DefaultPeriod
		}
		switch s := get(5); {
		case s != "":
			if t.Algorithm, err = otpcore.ParseAlgorithm(s); err != nil {
				return nil, errAt(where, "column %d (hash) must be sha1, sha256 or sha512", off+6)
			}
		case alg != 0:
			t.Algorithm = alg
		default:
			// privacyIDEA and LinOTP infer the hash from the seed length.
			switch len(t.Secret) {
			case 32:
				t.Algorithm = otpcore.SHA256
			case 64:
				t.Algorithm = otpcore.SHA512
			case 28, 48:
				return nil, errAt(where, "privacyIDEA reads a %d-digit seed as SHA-%d, which is not supported; add a hash column or choose the hash explicitly",
					2*len(t.Secret), 8*len(t.Secret))
			default:
				t.Algorithm = otpcore.SHA1
			}
		}
		if err := t.Validate(); err != nil {
			return nil, &Error{Where: where, Err: err}
		}
		toks = append(toks, t)
	}
}

// ---------------------------------------------------------------------------
// two-factor's own CSV: every Token field, base32 secrets.

// nativeHeader is the header WriteCSV writes, in order.
var nativeHeader = []string{"serial", "secret", "type", "algorithm", "digits", "period", "t0", "counter", "drift", "manufacturer", "model", "user", "issuer"}

const (
	ncSerial = iota
	ncSecret
	ncType
	ncAlgorithm
	ncDigits
	ncPeriod
	ncT0
	ncCounter
	ncDrift
	ncManufacturer
	ncModel
	ncUser
	ncIssuer
	ncColumns
)

func parseNativeCSV(data []byte, opt *Options) ([]Token, error) {
	// No comments: a serial may start with '#', and WriteCSV does not
	// quote it.
	rows := newCSVRows(data, opt, false)
	head, hline, err := rows.next()
	if err == io.EOF {
		return nil, &Error{Err: errors.New("the file is empty (a two-factor CSV starts with the header " + strings.Join(nativeHeader, ",") + ")")}
	}
	if err != nil {
		return nil, err
	}
	col, err := mapHeader(head, hline, ncColumns, func(name string) (int, bool) {
		i := slices.Index(nativeHeader, name)
		return i, i >= 0
	}, strings.Join(nativeHeader, ", "))
	if err != nil {
		return nil, err
	}
	for _, c := range []int{ncSecret, ncType, ncAlgorithm, ncDigits} {
		if col[c] < 0 {
			return nil, errAt(lineRef(hline), "the header has no %s column", nativeHeader[c])
		}
	}
	return rows.headedRecords(len(head), col, func(where string, get func(int) string) (Token, error) {
		var err error
		t := Token{
			Origin:       where,
			Serial:       textCell(get(ncSerial)),
			Manufacturer: textCell(get(ncManufacturer)),
			Model:        textCell(get(ncModel)),
			User:         textCell(get(ncUser)),
			Issuer:       textCell(get(ncIssuer)),
		}
		if t.Secret, err = otpcore.DecodeBase32(get(ncSecret)); err != nil {
			return Token{}, errAt(where, "secret: not base32: %s", strings.TrimPrefix(err.Error(), "base32 key: "))
		}
		switch strings.ToLower(get(ncType)) {
		case "totp":
			t.Kind = otpcore.KindTOTP
		case "hotp":
			t.Kind = otpcore.KindHOTP
		default:
			return Token{}, errAt(where, "type must be totp or hotp")
		}
		if t.Algorithm, err = otpcore.ParseAlgorithm(get(ncAlgorithm)); err != nil {
			return Token{}, errAt(where, "algorithm must be SHA1, SHA256 or SHA512")
		}
		if t.Digits, err = strconv.Atoi(get(ncDigits)); err != nil {
			return Token{}, errAt(where, "digits is not a whole number")
		}
		ints := []struct {
			c   int
			dst *int64
		}{{ncPeriod, &t.Period}, {ncT0, &t.T0}, {ncDrift, &t.Drift}}
		for _, f := range ints {
			if s := get(f.c); s != "" {
				if *f.dst, err = strconv.ParseInt(s, 10, 64); err != nil {
					return Token{}, errAt(where, "%s is not a whole number", nativeHeader[f.c])
				}
			}
		}
		if s := get(ncCounter); s != "" {
			if t.Counter, err = strconv.ParseUint(s, 10, 64); err != nil {
				return Token{}, errAt(where, "counter must be a whole number, 0 or more")
			}
		}
		if t.Kind == otpcore.KindTOTP && get(ncPeriod) == "" {
			t.Period = DefaultPeriod
		}
		if err := t.Validate(); err != nil {
			return Token{}, &Error{Where: where, Err: err}
		}
		return t, nil
	})
}

// formulaStarts are the first characters that make a spreadsheet take a
// cell for a formula and run it (OWASP "CSV injection"): = + - @, and tab
// and CR, which some spreadsheets skip before looking. The single quote
// is here too because it is the neutralising prefix itself.
const formulaStarts = "=+-@\t\r'"

// neutralCell makes a text cell safe to open in a spreadsheet: one that
// starts with a formula character gets a single quote in front, which
// spreadsheets show as text. A cell that starts with a quote gets one as
// well, so a cell starting with a quote followed by a formula character
// or a quote is always the writer's, and textCell takes exactly that one
// off: the round trip is exact.
func neutralCell(s string) string {
	if s != "" && strings.ContainsRune(formulaStarts, rune(s[0])) {
		return "'" + s
	}
	return s
}

// textCell undoes neutralCell: it takes one quote off only where the
// writer put one, before a formula character or another quote. A cell
// written by hand that starts with a quote before anything else ('ABC)
// keeps it.
func textCell(s string) string {
	if len(s) >= 2 && s[0] == '\'' && strings.ContainsRune(formulaStarts, rune(s[1])) {
		return s[1:]
	}
	return s
}

// WriteCSV writes tokens in two-factor's own CSV (header serial, secret,
// type, algorithm, digits, period, t0, counter, drift, manufacturer,
// model, user, issuer; base32 secrets), which Parse detects and reads back
// into the same tokens. Text cells that a spreadsheet would run as a
// formula are written with a single quote in front (see neutralCell);
// Parse removes it. The file holds the secrets in the clear: protect it
// accordingly. Each token must pass Validate; nothing is written
// otherwise.
func WriteCSV(w io.Writer, tokens []Token) error {
	if err := validateAll(tokens, false); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(nativeHeader); err != nil {
		return err
	}
	rec := make([]string, ncColumns)
	for i := range tokens {
		t := &tokens[i]
		clear(rec)
		rec[ncSecret] = otpcore.EncodeBase32(t.Secret)
		rec[ncType] = string(t.Kind)
		rec[ncAlgorithm] = t.Algorithm.String()
		rec[ncDigits] = strconv.Itoa(t.Digits)
		if t.Kind == otpcore.KindTOTP {
			rec[ncPeriod] = strconv.FormatInt(t.Period, 10)
			rec[ncT0] = strconv.FormatInt(t.T0, 10)
			rec[ncDrift] = strconv.FormatInt(t.Drift, 10)
		} else {
			rec[ncCounter] = strconv.FormatUint(t.Counter, 10)
		}
		rec[ncSerial] = neutralCell(t.Serial)
		rec[ncManufacturer] = neutralCell(t.Manufacturer)
		rec[ncModel] = neutralCell(t.Model)
		rec[ncUser] = neutralCell(t.User)
		rec[ncIssuer] = neutralCell(t.Issuer)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// validateAll checks tokens before anything is written: a writer that
// fails half-way leaves a truncated file of secrets behind.
func validateAll(tokens []Token, needSerial bool) error {
	seen := make(map[string]int, len(tokens))
	for i := range tokens {
		t := &tokens[i]
		where := fmt.Sprintf("token %d", i+1)
		if t.Serial != "" {
			where += " (serial " + quoteShort(t.Serial) + ")"
		}
		if err := t.Validate(); err != nil {
			return &Error{Where: where, Err: err}
		}
		if t.Serial == "" {
			if needSerial {
				return errAt(where, "serial is empty; a PSKC key needs one")
			}
			continue
		}
		if j, ok := seen[t.Serial]; ok {
			return errAt(where, "same serial as token %d", j+1)
		}
		seen[t.Serial] = i
	}
	return nil
}
