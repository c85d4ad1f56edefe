package importer_test

import (
	"bytes"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/seedfile"
)

func encryptedPSKC(t *testing.T, password string) string {
	t.Helper()
	toks := []seedfile.Token{
		{Serial: "PSKC0001", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1, Digits: 6, Period: 30, Secret: seed("PSKC0001"), Manufacturer: "Token2", Model: "c202"},
		{Serial: "PSKC0002", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1, Digits: 6, Period: 30, Secret: seed("PSKC0002"), Manufacturer: "Token2", Model: "c202"},
	}
	var b bytes.Buffer
	if err := seedfile.WritePSKC(&b, toks, seedfile.PSKCWriteOptions{Password: password, Iterations: 1000}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestEncryptedPSKC(t *testing.T) {
	e, a, _ := setup(t, 80, 24)
	a.Type(write(t, "tokens.pskc", encryptedPSKC(t, "s3cret-pass")))
	a.Keys("enter")
	if !strings.Contains(a.Frame(), "tokens.pskc is encrypted with a password.") {
		t.Fatalf("no password asked:\n%s", a.Frame())
	}
	a.Type("wrong")
	if f := a.Frame(); strings.Contains(f, "wrong") || !strings.Contains(f, "Password: •••••") {
		t.Fatalf("the password is echoed:\n%s", f)
	}
	a.Keys("enter")
	if f := a.Frame(); !strings.Contains(f, "✗ ") || !strings.Contains(f, "tokens.pskc does not open with this password") || !strings.Contains(f, "Password: █") {
		t.Fatalf("wrong password: the note, and an emptied field:\n%s", f)
	}
	a.Send(tea.PasteMsg{Content: "s3cret-pass"})
	a.Keys("enter")
	if !strings.Contains(a.Frame(), "2 tokens: 2 to add") {
		t.Fatalf("plan:\n%s", a.Frame())
	}
	a.Keys("enter")
	if inv := inventory(t, e); len(inv) != 2 {
		t.Fatalf("inventory %v\n%s", inv, a.Frame())
	}
	if strings.Contains(a.Root.Render(), "s3cret") {
		t.Error("the password reached the screen")
	}
}
