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
	"syscall"
)

// Read reads a whole regular file or pipe of at most limit bytes, refusing
// anything larger with a message naming the file and the limit. Devices,
// directories and sockets are refused unread: /dev/zero never ends. A named
// pipe nobody writes to is refused at once, not waited on for ever.
func Read(path string, limit int64) ([]byte, error) {
	f, st, err := Open(path, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadOpen(f, st, limit)
}

// Open opens path for reading, with flags added (such as O_NOFOLLOW), and
// returns it with its type and owner as the open file has them (fstat),
// so checks made on that cannot be defeated by swapping the path after.
// It never waits: opening a named pipe or a device normally blocks until
// a writer or the device is there, so the file is opened non-blocking and
// a device is refused on its path's type before it is opened at all.
// Anything but a regular file or a pipe is refused.
func Open(path string, flags int) (*os.File, fs.FileInfo, error) {
	if st, err := os.Stat(path); err == nil && !readable(st.Mode()) {
		return nil, nil, notReadable(path, st.Mode())
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|flags, 0)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !readable(st.Mode()) {
		f.Close()
		return nil, nil, notReadable(path, st.Mode())
	}
	return f, st, nil
}

func readable(m fs.FileMode) bool { return m.IsRegular() || m&fs.ModeNamedPipe != 0 }

func notReadable(path string, m fs.FileMode) error {
	return fmt.Errorf("%s is %s, not a regular file or a pipe: give the path of the file to read", path, Kind(m))
}

// ReadOpen reads the whole of f, opened by Open with type st, as Read does.
// A pipe gives what its writers wrote until the last one closed it; one
// that had no writer when opened gives nothing, and is refused.
func ReadOpen(f *os.File, st fs.FileInfo, limit int64) ([]byte, error) {
	path := f.Name()
	tooLarge := fmt.Errorf("%s is larger than the %s limit", path, SizeText(limit))
	if st.Mode().IsRegular() && st.Size() > limit {
		return nil, tooLarge
	}
	// A pipe, or a file still growing, is read one byte past the limit.
	// (os waits for a non-blocking pipe's data in its poller.)
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		clear(data) // it may hold secrets
		return nil, tooLarge
	}
	if len(data) == 0 && st.Mode()&fs.ModeNamedPipe != 0 {
		return nil, fmt.Errorf("%s is a named pipe and nothing was written to it: start the program that writes to it first, or give a regular file", path)
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
