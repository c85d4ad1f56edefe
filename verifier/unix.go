package verifier

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// SocketMode lets the owner and the socket's group connect: the group
// (e.g. two-factor) decides who may ask for a verification.
const SocketMode = 0o660

// ListenUnix listens on a unix socket at path with mode 0660, owned by gid
// when gid >= 0. The directory is created 0750 when missing. A socket file
// left by a verifier that died is removed; a live verifier's socket, or
// any file that is not a socket, is refused. The socket is bound under a
// temporary name and renamed into place once its mode is set, so no
// caller can connect while it is still open to more than the group.
func ListenUnix(path string, gid int) (net.Listener, error) {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, err
		}
		if err := os.Chmod(dir, 0o750); err != nil { // whatever the umask
			return nil, err
		}
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".%s.%d", filepath.Base(path), os.Getpid()))
	os.Remove(tmp)
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, err
	}
	l.SetUnlinkOnClose(false)
	fail := func(err error) (net.Listener, error) {
		l.Close()
		os.Remove(tmp)
		return nil, err
	}
	if gid >= 0 {
		if err := os.Lchown(tmp, -1, gid); err != nil {
			return fail(fmt.Errorf("giving the socket to group %d: %w", gid, err))
		}
	}
	if err := os.Chmod(tmp, SocketMode); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fail(err)
	}
	return &unixListener{UnixListener: l, path: path}, nil
}

// removeStale removes a socket at path that no process listens on.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Type() != os.ModeSocket {
		return fmt.Errorf("%s exists and is not a socket; not replacing it", path)
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("%s: another verifier is listening there", path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("%s: cannot tell whether a verifier listens there: %w", path, err)
	}
	return os.Remove(path)
}

// unixListener removes its socket file when closed (it was renamed into
// place, so the standard listener's own unlink would miss it).
type unixListener struct {
	*net.UnixListener
	path string
}

func (l *unixListener) Close() error {
	err := l.UnixListener.Close()
	os.Remove(l.path)
	return err
}

// unixCaller names the process at the other end of a unix connection by
// its uid (SO_PEERCRED): the socket's permissions let it in, the audit
// log says who it was.
func unixCaller(c net.Conn) caller {
	uid := peerUID(c)
	name := "uid=" + strconv.Itoa(uid)
	if uid < 0 {
		name = "uid=unknown"
	}
	return caller{Name: name, Source: "serve/unix " + name, PerLogin: true}
}
