package cli

import (
	"context"
	"errors"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// endOfInputPoll is how often the watch of standard input looks whether
// the command is over: the longest it outlives the command.
const endOfInputPoll = 100 // milliseconds

// watchEndOfInput calls stop when in ends (Ctrl-D at a terminal) or fails,
// until ctx is done. Whatever is typed meanwhile is read and ignored. It
// returns a function that waits for the watch to end once ctx is done, so
// no reader of standard input outlives the command (a blocked read of a
// terminal cannot be interrupted, so the watch polls instead of reading
// until it is told there is something to read).
func watchEndOfInput(ctx context.Context, in io.Reader, stop func()) (wait func()) {
	f, ok := in.(*os.File)
	if !ok {
		// Not a terminal's file (a caller of Execute): nothing to watch
		// that could be ended.
		return func() {}
	}
	fd := int(f.Fd())
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 512)
		for ctx.Err() == nil {
			n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, endOfInputPoll)
			if errors.Is(err, unix.EINTR) || err == nil && n == 0 {
				continue
			}
			if err != nil {
				return // cannot watch: the batch still ends by its count, timeout or Ctrl-C
			}
			read, err := unix.Read(fd, buf)
			clear(buf)
			if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
				continue
			}
			if read <= 0 || err != nil {
				stop()
				return
			}
		}
	}()
	return func() { <-done }
}
