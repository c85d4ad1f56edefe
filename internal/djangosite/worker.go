package djangosite

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"time"
)

// maxAnswer bounds one answer line from the worker: the biggest the tests
// ask for (every user of a small site, a device's columns) is far below it.
const maxAnswer = 4 << 20

// worker is python/worker.py, one request at a time.
type worker struct {
	mu     sync.Mutex
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *bufio.Reader
	stderr *lockedBuffer
}

func startWorker(dir string, env []string) (*worker, error) {
	cmd := exec.Command(Python, "worker.py")
	cmd.Dir = dir
	cmd.Env = env
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	w := &worker{cmd: cmd, stdin: stdin, out: bufio.NewReaderSize(stdout, 64<<10), stderr: &lockedBuffer{}}
	cmd.Stderr = w.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the Django worker: %w", err)
	}
	return w, nil
}

// lockedBuffer is the worker's stderr: written by exec's copier while
// error messages read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// tail is the end of what was written, for error messages.
func (b *lockedBuffer) tail() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	if len(s) > 2000 {
		s = "..." + s[len(s)-2000:]
	}
	return s
}

// call sends one request and decodes the answer's result into result
// (nil: ignore it). A Python exception comes back as an error.
func (w *worker) call(req map[string]any, result any) error {
	line, err := json.Marshal(req)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.stdin.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("django worker: %w (stderr: %s)", err, w.stderr.tail())
	}
	answer, err := readBoundedLine(w.out, maxAnswer)
	if err != nil {
		return fmt.Errorf("django worker: %w (stderr: %s)", err, w.stderr.tail())
	}
	var reply struct {
		OK     bool            `json:"ok"`
		Error  string          `json:"error"`
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(answer, &reply); err != nil {
		return fmt.Errorf("django worker: bad answer %.200q: %w", answer, err)
	}
	if !reply.OK {
		return fmt.Errorf("django %s: %s", req["op"], reply.Error)
	}
	if result == nil {
		return nil
	}
	return json.Unmarshal(reply.Result, result)
}

var errLineTooLong = errors.New("answer longer than the limit")

// readBoundedLine reads up to '\n', refusing more than limit bytes.
func readBoundedLine(r *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > limit {
			return nil, errLineTooLong
		}
		switch {
		case err == nil:
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return nil, err
		}
	}
}

// stop ends the worker: EOF on stdin, then a kill if it lingers.
func (w *worker) stop() {
	w.stdin.Close()
	done := make(chan struct{})
	go func() { w.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		w.cmd.Process.Kill()
		<-done
	}
}
