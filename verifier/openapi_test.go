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

// TestOpenAPIAndREADMENameEveryMetric: every metric /metrics serves is
// named in openapi.json's description of it and in README's, so a metric
// renamed in the server (as the blocked gauges were) cannot leave either
// describing one that is gone.
func TestOpenAPIAndREADMENameEveryMetric(t *testing.T) {
	s := serveSocket(t)
	var served []string
	for _, line := range strings.Split(s.metricsText(t), "\n") {
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
			served = append(served, strings.Fields(name)[0])
		}
	}
	if len(served) < 7 {
		t.Fatalf("/metrics serves only %q", served)
	}
	for _, doc := range []string{"openapi.json", "../README.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range served {
			if !strings.Contains(string(b), name) {
				t.Errorf("%s does not name the metric %s", doc, name)
			}
		}
	}
}
