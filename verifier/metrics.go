package verifier

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/two-factor/two-factor/service"
)

// latencyBuckets are the upper bounds, in seconds, of the verification
// latency histogram: a login through SQLite takes milliseconds; seconds
// mean a store waiting on its lock.
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

// metrics counts what /metrics shows, in Prometheus's text format (v0.0.4),
// written by hand: four series need no client library.
type metrics struct {
	mu           sync.Mutex
	outcomes     map[string]uint64 // accepted, rejected, throttled, locked-out, disabled, malformed, error
	buckets      []uint64          // cumulative at write time; per bucket here
	count        uint64
	sum          float64
	storeErrors  uint64
	rateLimited  uint64
	unauthorized uint64
}

func newMetrics() *metrics {
	return &metrics{outcomes: map[string]uint64{}, buckets: make([]uint64, len(latencyBuckets))}
}

// verification records one verification's outcome and how long it took.
func (m *metrics) verification(outcome string, took time.Duration) {
	secs := took.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.outcomes[outcome]++
	m.count++
	m.sum += secs
	if i := sort.SearchFloat64s(latencyBuckets, secs); i < len(latencyBuckets) {
		m.buckets[i]++
	}
}

func (m *metrics) add(counter *uint64) {
	m.mu.Lock()
	*counter++
	m.mu.Unlock()
}

func (m *metrics) write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintln(w, "# HELP two_factor_verifications_total Verifications answered, by outcome.")
	fmt.Fprintln(w, "# TYPE two_factor_verifications_total counter")
	outcomes := make([]string, 0, len(m.outcomes))
	for o := range m.outcomes {
		outcomes = append(outcomes, o)
	}
	sort.Strings(outcomes)
	for _, o := range outcomes {
		fmt.Fprintf(w, "two_factor_verifications_total{outcome=%q} %d\n", o, m.outcomes[o])
	}
	fmt.Fprintln(w, "# HELP two_factor_verify_duration_seconds Time to answer a verification, store transaction included.")
	fmt.Fprintln(w, "# TYPE two_factor_verify_duration_seconds histogram")
	var cum uint64
	for i, le := range latencyBuckets {
		cum += m.buckets[i]
		fmt.Fprintf(w, "two_factor_verify_duration_seconds_bucket{le=%q} %d\n", strconv.FormatFloat(le, 'g', -1, 64), cum)
	}
	fmt.Fprintf(w, "two_factor_verify_duration_seconds_bucket{le=\"+Inf\"} %d\n", m.count)
	fmt.Fprintf(w, "two_factor_verify_duration_seconds_sum %g\n", m.sum)
	fmt.Fprintf(w, "two_factor_verify_duration_seconds_count %d\n", m.count)
	for _, c := range []struct {
		name, help string
		v          uint64
	}{
		{"two_factor_store_errors_total", "Requests the store could not answer.", m.storeErrors},
		{"two_factor_rate_limited_total", "Requests refused with 429 by a caller's rate limit.", m.rateLimited},
		{"two_factor_unauthorized_total", "Requests refused with 401 (no or unknown bearer token).", m.unauthorized},
	} {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", c.name, c.help, c.name, c.name, c.v)
	}
}

// writeBlocked writes the gauges of names refusing codes now, counted by
// the store at each scrape once per name (existing or not) and shape of
// code, so that they do not tell which names exist.
func writeBlocked(w io.Writer, b service.BlockedCounts) {
	for _, g := range []struct {
		name, help string
		v          int
	}{
		{"two_factor_locked_out_runs", "Runs of failures locked out: names (existing or not) refusing codes of a shape (6, 7 or 8 digits, backup codes) after too many failures, once per name and shape.", b.LockedOut},
		{"two_factor_throttled_runs", "Runs of failures waiting out their back-off: names (existing or not) refusing codes of a shape for now, once per name and shape.", b.Throttled},
	} {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %d\n", g.name, g.help, g.name, g.name, g.v)
	}
}
