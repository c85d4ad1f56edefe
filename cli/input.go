package cli

import (
	"bytes"
	"strings"

	"github.com/two-factor/two-factor/inputfile"
)

// Limits on what the commands read from outside, so that no input (a
// device that never ends, a runaway pipe, a mistaken file) can make them
// allocate without bound: each is checked before the bytes are kept.
const (
	// maxLineBytes bounds one line of standard input: a code, a seed or a
	// yes. The longest real answer, a 512-bit seed in base32, is 104.
	maxLineBytes = 4096
	// maxSecretFileBytes bounds a password or pre-shared key file, of
	// which only the first line is used.
	maxSecretFileBytes = 4096
)

// firstLine reads a small secret file (a password or key) and returns its
// first line.
func firstLine(path string) (string, error) {
	b, err := inputfile.Read(path, maxSecretFileBytes)
	if err != nil {
		return "", err
	}
	defer clear(b)
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return strings.TrimRight(string(line), "\r"), nil
}
