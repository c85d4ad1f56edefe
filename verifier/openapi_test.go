package verifier_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/verifier"
)

// TestOpenAPIDescribesExactlyTheServedRoutes keeps openapi.json and the
// server's mux (verifier.Routes) in step: a route added to one and not
// the other fails here.
func TestOpenAPIDescribesExactlyTheServedRoutes(t *testing.T) {
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	var described []string
	for path, ops := range doc.Paths {
		for method := range ops {
			described = append(described, strings.ToUpper(method)+" "+path)
		}
	}
	served := slices.Clone(verifier.Routes)
	slices.Sort(described)
	slices.Sort(served)
	if !slices.Equal(described, served) {
		t.Errorf("openapi.json describes %q, the server serves %q", described, served)
	}
}
