package cli

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
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

// readFileLimited reads a whole regular file or pipe of at most limit
// bytes, refusing anything larger with a message naming the file and the
// limit. Devices are refused unread: /dev/zero never ends.
func readFileLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	mode := st.Mode()
	if !mode.IsRegular() && mode&fs.ModeNamedPipe == 0 {
		return nil, fmt.Errorf("%s is %s, not a regular file or a pipe: give the path of the file to read", path, fileKind(mode))
	}
	tooLarge := fmt.Errorf("%s is larger than the %s limit", path, sizeText(limit))
	if mode.IsRegular() && st.Size() > limit {
		return nil, tooLarge
	}
	// A pipe, or a file still growing, is read one byte past the limit.
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		clear(data) // it may hold secrets
		return nil, tooLarge
	}
	return data, nil
}

// sizeText shows a limit the way it was chosen: 64 MiB, 4 KiB.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// firstLine reads a small secret file (a password or key) and returns its
// first line.
func firstLine(path string) (string, error) {
	b, err := readFileLimited(path, maxSecretFileBytes)
	if err != nil {
		return "", err
	}
	defer clear(b)
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return strings.TrimRight(string(line), "\r"), nil
}

// fileKind names a non-regular file's type in words a sysadmin reads at a
// glance (fs.FileMode's letters, "Dc---------", are not that).
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "a special file"
}
