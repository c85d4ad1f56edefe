package seedfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestFixtures reads the files in testdata, made by csv2pskc and
// python-pskc (see testdata/README.md), and checks every field.
func TestFixtures(t *testing.T) {
	csvTokens := interopTokens()
	csvTokens[1].Drift = -2
	pyTokens := interopTokens()
	tests := []struct {
		file string
		opt  Options
		want []Token
	}{
		{"csv2pskc-plain.pskcxml", Options{}, csvTokens},
		{"csv2pskc-psk.pskcxml", Options{Key: []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, RequireMAC: true}, csvTokens},
		{"csv2pskc-password.pskcxml", Options{Password: "Pa55w0rd!", RequireMAC: true}, csvTokens},
		{"python-pskc-pbkdf2-allfields.pskcxml", Options{Password: "geheim", RequireMAC: true}, pyTokens},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := Parse(f, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			sameTokens(t, got, tc.want)
		})
	}
	data, err := os.ReadFile(filepath.Join("testdata", "csv2pskc-password.pskcxml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseBytes(data, Options{Password: "pa55w0rd!"}); !errors.Is(err, ErrWrongKey) && !errors.Is(err, ErrMACMismatch) {
		t.Errorf("wrong password: %v", err)
	}
}
