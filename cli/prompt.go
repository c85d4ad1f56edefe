package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// lineReader reads answers from stdin one line at a time; it is shared by
// every prompt of a run so buffered input is not lost between prompts.
type lineReader struct{ r *bufio.Reader }

func (a *app) lines() *lineReader {
	if a.reader == nil {
		a.reader = &lineReader{r: bufio.NewReader(a.env.Stdin)}
	}
	return a.reader
}

// readLine returns the next line without its newline; io.EOF when input
// has ended with nothing on the line. A line longer than maxLineBytes is
// refused as soon as that many bytes have come, without reading on.
func (l *lineReader) readLine() (string, error) {
	var line []byte
	for {
		chunk, err := l.r.ReadSlice('\n')
		if len(line)+len(chunk) > maxLineBytes+2 { // +2: the CR LF ending
			clear(line)
			return "", fmt.Errorf("a line of standard input is longer than %d bytes (no answer is that long)", maxLineBytes)
		}
		line = append(line, chunk...)
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err != nil && (err != io.EOF || len(line) == 0):
			return "", err
		}
		return strings.TrimRight(string(line), "\r\n"), nil
	}
}

// confirm asks a yes/no question on a terminal. Without a terminal it
// refuses rather than guess: scripts pass --yes.
func (a *app) confirm(question string) error {
	if !a.env.IsTerminal() {
		return usageErrorf("not a terminal: pass --yes to %s", strings.TrimSuffix(strings.ToLower(question[:1])+question[1:], "?"))
	}
	out := a.env.Stdout
	if wantsJSON(a.running, nil) {
		out = a.env.Stderr // stdout carries only the JSON document
	}
	fmt.Fprintf(out, "%s [y/N] ", question)
	ans, err := a.lines().readLine()
	if err != nil {
		return errors.New("cancelled")
	}
	switch strings.ToLower(strings.TrimSpace(ans)) {
	case "y", "yes":
		return nil
	}
	return rejected(errors.New("cancelled; nothing changed"))
}

// readSecret reads a seed or password without echo when stdin is a
// terminal, else one line of stdin. Secrets never go on the command line,
// where ps shows them.
func (a *app) readSecret(prompt string) (string, error) {
	if a.env.IsTerminal() {
		if f, ok := a.env.Stdin.(*os.File); ok {
			fmt.Fprint(a.env.Stderr, prompt)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(a.env.Stderr)
			return strings.TrimSpace(string(b)), err
		}
	}
	s, err := a.lines().readLine()
	if err != nil {
		return "", fmt.Errorf("reading standard input: %w", err) // a seed or a password
	}
	return strings.TrimSpace(s), nil
}
