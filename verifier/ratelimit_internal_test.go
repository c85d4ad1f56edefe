package verifier

import (
	"strconv"
	"testing"
	"time"
)

// TestLimiterKeepsABoundedNumberOfBuckets: keys come partly from outside
// (a login's remote host, a client's address), so a flood of distinct keys
// must not grow the map past maxBuckets; while it is full of buckets in
// use, newcomers share one overflow bucket (the global cap), and buckets
// that have refilled are swept to make room again.
func TestLimiterKeepsABoundedNumberOfBuckets(t *testing.T) {
	l := newLimiter(Limit{Rate: 1, Burst: 2})
	now := time.Unix(1_000_000, 0)
	for i := range 3 * maxBuckets {
		l.allow("host "+strconv.Itoa(i), now)
	}
	if n := len(l.buckets); n > maxBuckets {
		t.Fatalf("%d buckets after %d distinct keys, want at most %d", n, 3*maxBuckets, maxBuckets)
	}
	if ok, _ := l.allow("one more", now); ok {
		t.Error("a newcomer to a full limiter was not charged to the shared overflow bucket, which the flood emptied")
	}
	later := now.Add(10 * time.Second) // every bucket has refilled
	if ok, _ := l.allow("newcomer", later); !ok {
		t.Error("refilled buckets were not swept to make room")
	}
	if _, own := l.buckets["newcomer"]; !own {
		t.Error("after the sweep a newcomer still shares the overflow bucket")
	}
}
