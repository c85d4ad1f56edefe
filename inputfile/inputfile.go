// Package inputfile reads files an administrator names (seed files,
// password and key files) without ever allocating more than a stated
// limit, and names the kind of a file that is not one to read. Every front
// end reads outside files through it, so /dev/zero or a runaway pipe is
// refused the same way everywhere.
package inputfile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Read reads a whole regular file or pipe of at most limit bytes, refusing
// anything larger with a message naming the file and the limit. Devices,
// directories and sockets are refused unread: /dev/zero never ends.
func Read(path string, limit int64) ([]byte, error) {
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
		return nil, fmt.Errorf("%s is %s, not a regular file or a pipe: give the path of the file to read", path, Kind(mode))
	}
	tooLarge := fmt.Errorf("%s is larger than the %s limit", path, SizeText(limit))
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

// Kind names a file's type in words a sysadmin reads at a glance ("a
// character device"); fs.FileMode's letters ("Dc---------") are not that.
func Kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "a special file"
}

// SizeText shows a limit the way it was chosen: 64 MiB, 4 KiB.
func SizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
