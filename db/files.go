package db

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/two-factor/two-factor/inputfile"
)

// euid is the user whose files are trusted besides root's. A variable so
// that tests can act as another user.
var euid = os.Geteuid

// File trust. The key file is all that stands between a copy of the store
// and every seed, and the store decides who may log in, so neither is
// used if someone else could have planted it or could swap it: each must
// be owned by the running user or root, and sit in a directory that only
// they can change (one others can write is accepted only with the sticky
// bit, as /tmp has, because then others cannot rename or delete our file).

// checkOwnedFile refuses a file not owned by uid or root, or in a
// directory others could change. what names the file in messages.
func checkOwnedFile(what, path string, uid int) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, path, err)
	}
	return checkOwnedStat(what, path, st, uid)
}

// checkOwnedStat is checkOwnedFile for a file already opened, with st from
// the open file (f.Stat), so the file checked is the file read.
func checkOwnedStat(what, path string, st fs.FileInfo, uid int) error {
	if err := checkOwner(what, path, st, uid); err != nil {
		return err
	}
	return checkDirectory(filepath.Dir(path), path, uid)
}

func checkOwner(what, path string, st fs.FileInfo, uid int) error {
	owner, ok := ownerOf(st)
	if !ok || owner == uid || owner == 0 {
		return nil
	}
	return fmt.Errorf("%s %s is owned by uid %d, not by you (uid %d) or root: another user could have planted it; if it is yours, run: chown $USER %s", what, path, owner, uid, path)
}

// checkDirectory refuses a directory that lets others replace file.
func checkDirectory(dir, file string, uid int) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("directory of %s: %w", file, err)
	}
	if err := checkOwner("the directory holding", dir, st, uid); err != nil {
		return err
	}
	if st.Mode()&0o022 != 0 && st.Mode()&fs.ModeSticky == 0 {
		return fmt.Errorf("directory %s can be written by other users (mode %04o), so they could replace %s; run: chmod go-w %s", dir, st.Mode().Perm(), file, dir)
	}
	return nil
}

func ownerOf(st fs.FileInfo) (int, bool) {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(sys.Uid), true
}

// checkStoreFile refuses an existing store path that is not a store we
// can safely use: a device or other non-regular file, an empty file, a
// file someone else could have planted, or a -wal/-shm beside it that
// SQLite could not write (left by a read-only open or another user).
func checkStoreFile(path string, st fs.FileInfo) error {
	switch {
	case st.IsDir():
		return fmt.Errorf("store %s is a directory, not a file", path)
	case !st.Mode().IsRegular():
		return fmt.Errorf("store %s is not a regular file (it is %s): give the path of a store file", path, inputfile.Kind(st.Mode()))
	case st.Size() == 0 && !hasContent(path+"-wal"):
		// A store we create is initialised before it appears (see
		// createStore), so an empty one is far more likely truncated by
		// a fault than new: initialising it would hide the loss.
		return fmt.Errorf("store %s is empty (0 bytes): it is more likely a damaged store than a new one; restore it from a backup, or if it really is new, remove it and run: two-factor init --db %s", path, path)
	}
	if err := checkOwnedFile("store", path, euid()); err != nil {
		return err
	}
	for _, side := range []string{path + "-wal", path + "-shm"} {
		sst, err := os.Stat(side)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("store file %s: %w", side, err)
		}
		if err := checkOwner("store file", side, sst, euid()); err != nil {
			return err
		}
		if sst.Mode().Perm()&0o200 == 0 {
			return fmt.Errorf("store file %s is read-only (mode %04o), so the store cannot be written; run: chmod u+w %s", side, sst.Mode().Perm(), side)
		}
	}
	return nil
}

func hasContent(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Size() > 0
}

// createStore makes a new, initialised store at path that only its owner
// can read. It is built under a temporary name and linked into place
// complete, so no process ever sees it empty (an empty store file is
// refused as damaged), and an existing file is never replaced: if another
// process created path meanwhile, that store is used.
func createStore(ctx context.Context, path string, busy time.Duration) error {
	return createStoreAs(ctx, path, busy, fileMode{journal: "WAL"})
}

// createStoreAs is createStore for a file opened in mode (its journal
// mode is set before it is linked into place; nothing is attached while
// it is built).
func createStoreAs(ctx context.Context, path string, busy time.Duration, mode fileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating the store's directory: %w", err)
	}
	if err := checkDirectory(dir, path, euid()); err != nil {
		return err
	}
	// Mode 0600: SQLite copies the database's mode to its -wal and -shm.
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-init-*")
	if err != nil {
		return fmt.Errorf("creating store %s: %w", path, err)
	}
	tmp := f.Name()
	f.Close()
	defer func() {
		for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
			os.Remove(p)
		}
	}()
	s, err := openSQLiteAs(tmp, busy, fileMode{journal: mode.journal})
	if err != nil {
		return err
	}
	err = s.migrate(ctx)
	if err == nil {
		// Everything must be in the file itself before it is linked into
		// place without its WAL. Closing would checkpoint too, but it
		// ignores a failure (a full disk), which would leave a torn file.
		err = s.checkpoint(ctx)
	}
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("creating store %s: %w", path, err)
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("creating store %s: %w", path, err)
	}
	return syncDir(dir)
}
