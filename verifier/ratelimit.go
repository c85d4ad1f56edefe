package verifier

import (
	"math"
	"sync"
	"time"
)

// Limit is a token bucket: Rate requests a second on average, bursts of
// up to Burst. A zero Rate means no limit.
type Limit struct {
	Rate  float64
	Burst int
}

// maxBuckets bounds the buckets a limiter keeps. Keys come partly from
// outside (a login's remote host, a client's address), so without a bound
// a flood of distinct keys would grow memory without limit.
const maxBuckets = 4096

// limiter keeps one bucket per key (API client, login source, address), so
// one busy or misbehaving caller cannot starve the others' logins.
type limiter struct {
	mu        sync.Mutex
	limit     Limit
	buckets   map[string]*bucket
	lastSweep time.Time
	// overflow is the one bucket every new key shares while the map is
	// full of buckets still in use: past maxBuckets distinct callers, the
	// rate of the newcomers together is capped, not each one's.
	overflow *bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(l Limit) *limiter { return &limiter{limit: l, buckets: map[string]*bucket{}} }

// set changes the limit (on SIGHUP); buckets start full again.
func (l *limiter) set(lim Limit) {
	l.mu.Lock()
	l.limit, l.buckets, l.overflow = lim, map[string]*bucket{}, nil
	l.mu.Unlock()
}

// allow takes a token from key's bucket, or says how long until one is
// there.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limit.Rate <= 0 {
		return true, 0
	}
	b := l.bucketOf(key, now)
	b.tokens = math.Min(l.burst(), b.tokens+now.Sub(b.last).Seconds()*l.limit.Rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.limit.Rate * float64(time.Second))
}

func (l *limiter) burst() float64 { return float64(max(1, l.limit.Burst)) }

// bucketOf is key's bucket, a new full one if key has none, or the
// overflow bucket when maxBuckets are in use.
func (l *limiter) bucketOf(key string, now time.Time) *bucket {
	if b := l.buckets[key]; b != nil {
		return b
	}
	if len(l.buckets) >= maxBuckets {
		l.sweep(now)
	}
	b := &bucket{tokens: l.burst(), last: now}
	if len(l.buckets) < maxBuckets {
		l.buckets[key] = b
		return b
	}
	if l.overflow == nil {
		l.overflow = b
	}
	return l.overflow
}

// sweep drops the buckets that have refilled: a full bucket is the same
// as none. It runs at most once a second, so a flood of new keys into a
// full limiter costs one pass over the map a second, not one a request.
func (l *limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Second {
		return
	}
	l.lastSweep = now
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.limit.Rate >= l.burst() {
			delete(l.buckets, k)
		}
	}
}

// refund gives back the token allow took from key's bucket, for a
// request that turned out not to count against it.
func (l *limiter) refund(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		b = l.overflow // where allow charged a key that found no room
	}
	if b != nil {
		b.tokens = math.Min(l.burst(), b.tokens+1)
	}
}
