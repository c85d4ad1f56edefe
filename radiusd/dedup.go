package radiusd

import (
	"sync"
	"time"

	"layeh.com/radius"
)

// dedupWindow is how long an answer is kept for retransmits. NASes
// retransmit after 1 to 5 seconds and give up after a few tries; a code
// typed again later is a new request with a new authenticator anyway.
const dedupWindow = 10 * time.Second

// maxDedup bounds the cache. When it is full of live entries an answer is
// not cached: the retransmit is then verified again and, the code being
// used, rejected. That fails closed.
const maxDedup = 1 << 16

// requestKey identifies one request across retransmits (RFC 5080 §2.2.2):
// a NAS retransmits with the same source, Identifier and authenticator.
type requestKey struct {
	source        string
	identifier    byte
	authenticator [16]byte
}

type cachedAnswer struct {
	code    radius.Code
	expires time.Time
}

// dedupCache remembers the answer to each recent request, so a retransmit
// gets the same answer without the code being verified again: otherwise a
// NAS retransmitting a right code would see its own retry refused as a
// replay, and counted as a failure.
type dedupCache struct {
	mu      sync.Mutex
	now     func() time.Time
	answers map[requestKey]cachedAnswer
	// order holds the keys in the order they were first cached. Every
	// answer is kept for the same window, so the expired ones are at the
	// front: forgetting them costs what there is to forget, never a walk
	// over a cache full of live answers (which a flood of requests from
	// a client could otherwise make every request pay, under the lock).
	order []requestKey
}

func newDedupCache(now func() time.Time) *dedupCache {
	return &dedupCache{now: now, answers: map[requestKey]cachedAnswer{}}
}

func (c *dedupCache) get(k requestKey) (radius.Code, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.answers[k]
	if !ok || !c.now().Before(a.expires) {
		return 0, false
	}
	return a.code, true
}

func (c *dedupCache) put(k requestKey, code radius.Code) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	c.forgetExpired(now)
	if _, cached := c.answers[k]; !cached {
		if len(c.answers) >= maxDedup {
			return
		}
		c.order = append(c.order, k)
	}
	c.answers[k] = cachedAnswer{code: code, expires: now.Add(dedupWindow)}
}

// forgetExpired drops the answers at the front of order whose window has
// passed. (An answer cached again later stays until its own window ends,
// and stops the sweep there until then.)
func (c *dedupCache) forgetExpired(now time.Time) {
	n := 0
	for ; n < len(c.order); n++ {
		k := c.order[n]
		if a, ok := c.answers[k]; ok && now.Before(a.expires) {
			break
		}
		delete(c.answers, k)
	}
	clear(c.order[:n]) // the keys hold the clients' addresses
	c.order = c.order[n:]
}
