package cli

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestBurnBatchLeavesNoGoroutineBehind: at a terminal the batch watches
// standard input for Ctrl-D. That watch must end with the batch: the
// console or a long-lived caller of Execute would otherwise keep a reader
// of its input for ever, taking the next line typed. Standard input here
// is a pipe nobody writes to or closes, as a terminal nobody types at.
func TestBurnBatchLeavesNoGoroutineBehind(t *testing.T) {
	h := newHarness(t) // no pcscd: the batch ends at once, with an error
	h.terminal = true
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	before := runtime.NumGoroutine()
	_, errs, code := h.execIn(r, "burn", "--batch", "--timeout", "2s")
	if code != ExitError || !strings.Contains(errs, "pcscd") {
		t.Fatalf("batch without pcscd: exit %d %s", code, errs)
	}
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines after the batch, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBurnBatchEndsAtEndOfInput: Ctrl-D at the terminal (the end of
// standard input) stops a batch waiting for the next token.
func TestBurnBatchEndsAtEndOfInput(t *testing.T) {
	h := newHarness(t)
	h.withPCSCD()
	h.terminal = true
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	type result struct {
		out  string
		code int
	}
	done := make(chan result, 1)
	go func() {
		out, errs, code := h.execIn(r, "burn", "--batch", "--timeout", "30s")
		done <- result{out + errs, code}
	}()
	time.Sleep(300 * time.Millisecond) // the batch waits for a token
	w.Close()                          // Ctrl-D
	select {
	case res := <-done:
		if res.code != ExitOK || !strings.Contains(res.out, "Stopped.") {
			t.Fatalf("after Ctrl-D: exit %d %s", res.code, res.out)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("end of input did not stop the batch")
	}
}
