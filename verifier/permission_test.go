package verifier

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// asNobodyEnv makes the test binary, run again, ask the verifier at the
// socket it names and print the error (TestRefusedAccountIsToldWhoMayAsk).
const asNobodyEnv = "TWO_FACTOR_TEST_ASK_AS_NOBODY"

func init() {
	if socket := os.Getenv(asNobodyEnv); socket != "" {
		_, err := Client{Socket: socket}.Verify(context.Background(), "alice", "123456")
		fmt.Println(err)
		os.Exit(0)
	}
}

// TestRefusedAccountIsToldWhoMayAsk: an account that may not connect to
// the socket learns who may (root and the socket directory's group), not
// only "permission denied". Run as root: the test asks as nobody.
func TestRefusedAccountIsToldWhoMayAsk(t *testing.T) {
	needRoot(t)
	dir := filepath.Join(publicTempDir(t), "run")
	if err := os.Mkdir(dir, 0o750); err != nil { // root:root, as /run/two-factor is two-factor:two-factor
		t.Fatal(err)
	}
	socket := filepath.Join(dir, "verify.sock")
	ln, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	got := askAsNobody(t, socket)
	for _, want := range []string{"permission denied", `members of group "root"`, dir, "add this account to it"} {
		if !strings.Contains(got, want) {
			t.Errorf("refused account was told %q; want it to contain %q", got, want)
		}
	}
}

// TestRefusedAccountIsToldTheSocketsGroup: where the account may enter the
// directory and only the socket's group lets it in (serve.conf's group
// differing from the directory's, or a socket outside /run/two-factor),
// the group named is the socket's. It named the directory's, "root" here,
// sending the administrator to add the account to a group that does not
// help (or to root's).
func TestRefusedAccountIsToldTheSocketsGroup(t *testing.T) {
	needRoot(t)
	dir := filepath.Join(publicTempDir(t), "run")
	if err := os.Mkdir(dir, 0o755); err != nil { // root:root, open to all
		t.Fatal(err)
	}
	socket := filepath.Join(dir, "verify.sock")
	const socketGID = 64123 // a group with no name, which nobody is not in
	ln, err := ListenUnix(socket, socketGID)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	got := askAsNobody(t, socket)
	for _, want := range []string{"permission denied", fmt.Sprintf("members of group %d", socketGID), socket} {
		if !strings.Contains(got, want) {
			t.Errorf("refused account was told %q; want it to contain %q", got, want)
		}
	}
	if strings.Contains(got, `group "root"`) {
		t.Errorf("refused account was sent to the directory's group: %q", got)
	}
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Getuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must run the tests as root: this one asks the verifier as another account")
		}
		t.Skip("needs root to ask the verifier as another account")
	}
}

// askAsNobody runs a copy of the test binary as the account nobody, which
// asks the verifier at socket, and returns the error it was given.
func askAsNobody(t *testing.T, socket string) string {
	t.Helper()
	bin := filepath.Join(publicTempDir(t), "verifier.test") // where nobody may run it
	copyExecutable(t, bin)
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = []string{asNobodyEnv + "=" + socket}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("asking as nobody: %v\n%s", err, out)
	}
	return string(out)
}

// publicTempDir is a temporary directory any account may enter.
func publicTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != filepath.Dir(d) && strings.HasPrefix(d, os.TempDir()+string(filepath.Separator)); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func copyExecutable(t *testing.T, to string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
