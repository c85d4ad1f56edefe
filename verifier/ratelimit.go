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

// limiter keeps one bucket per caller (API client name or unix uid), so
// one busy or misbehaving caller cannot starve the others' logins.
type limiter struct {
	mu      sync.Mutex
	limit   Limit
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(l Limit) *limiter { return &limiter{limit: l, buckets: map[string]*bucket{}} }

// set changes the limit (on SIGHUP); buckets start full again.
func (l *limiter) set(lim Limit) {
	l.mu.Lock()
	l.limit, l.buckets = lim, map[string]*bucket{}
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
	burst := float64(max(1, l.limit.Burst))
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(burst, b.tokens+now.Sub(b.last).Seconds()*l.limit.Rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.limit.Rate * float64(time.Second))
}

// refund gives back the token allow took from key's bucket, for a
// request that turned out not to count against it.
func (l *limiter) refund(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.buckets[key]; b != nil {
		b.tokens = math.Min(float64(max(1, l.limit.Burst)), b.tokens+1)
	}
}
