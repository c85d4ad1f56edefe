package seedfile

import (
	"bytes"
	"strings"
	"testing"
)

// Options.MaxIterations refuses a password file that asks for more PBKDF2
// work, before doing any of it; zero keeps the built-in limit.
func TestMaxIterationsRefusesCostlierFiles(t *testing.T) {
	var b bytes.Buffer
	if err := WritePSKC(&b, randomTokens(1, 3), PSKCWriteOptions{Password: "a long enough password", Iterations: 2000}); err != nil {
		t.Fatal(err)
	}
	_, err := ParseBytes(b.Bytes(), Options{Password: "a long enough password", MaxIterations: 1999})
	if err == nil || !strings.Contains(err.Error(), "IterationCount 2000 is above the limit of 1999") {
		t.Fatalf("2000 iterations with a limit of 1999: %v", err)
	}
	for _, limit := range []int{0, 2000} {
		if _, err := ParseBytes(b.Bytes(), Options{Password: "a long enough password", MaxIterations: limit}); err != nil {
			t.Fatalf("limit %d: %v", limit, err)
		}
	}
}
