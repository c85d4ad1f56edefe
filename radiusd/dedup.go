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
	if len(c.answers) >= maxDedup {
		for key, a := range c.answers {
			if !now.Before(a.expires) {
				delete(c.answers, key)
			}
		}
		if len(c.answers) >= maxDedup {
			return
		}
	}
	c.answers[k] = cachedAnswer{code: code, expires: now.Add(dedupWindow)}
}
