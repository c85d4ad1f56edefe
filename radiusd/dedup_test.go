package radiusd

import (
	"strconv"
	"testing"
	"time"

	"layeh.com/radius"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func dedupKey(i int) requestKey {
	return requestKey{source: "127.0.0.1:" + strconv.Itoa(i%65536), identifier: byte(i), authenticator: [16]byte{byte(i >> 8), byte(i >> 16)}}
}

// TestDedupCacheKeepsTheWindowAndItsBound: an answer is given again
// within its window and not after; a full cache of live answers caches
// nothing more (the retransmit is verified again: fails closed) until the
// oldest answers' window passes, and then takes new ones; an answer cached
// again keeps its place.
func TestDedupCacheKeepsTheWindowAndItsBound(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	c := newDedupCache(clock.now)
	for i := range maxDedup {
		if i == maxDedup/2 {
			clock.t = clock.t.Add(dedupWindow / 2)
		}
		c.put(dedupKey(i), radius.CodeAccessReject)
	}
	extra := dedupKey(maxDedup)
	c.put(extra, radius.CodeAccessAccept)
	if _, ok := c.get(extra); ok {
		t.Fatal("a full cache of live answers took one more")
	}
	if code, ok := c.get(dedupKey(0)); !ok || code != radius.CodeAccessReject {
		t.Fatalf("the first answer within its window: %v %v", code, ok)
	}
	// The first half's window ends; the second half's is still open.
	clock.t = clock.t.Add(dedupWindow / 2)
	c.put(extra, radius.CodeAccessAccept)
	if code, ok := c.get(extra); !ok || code != radius.CodeAccessAccept {
		t.Fatalf("after the oldest answers expired, a new one was not cached: %v %v", code, ok)
	}
	if _, ok := c.get(dedupKey(0)); ok {
		t.Error("an answer was given again after its window")
	}
	if code, ok := c.get(dedupKey(maxDedup - 1)); !ok || code != radius.CodeAccessReject {
		t.Errorf("an answer within its window was forgotten: %v %v", code, ok)
	}
	if len(c.answers) != maxDedup/2+1 || len(c.order) != len(c.answers) {
		t.Errorf("%d answers and %d keys in order, want %d of each", len(c.answers), len(c.order), maxDedup/2+1)
	}
}

// BenchmarkDedupPutWhenFull is what each request costs the cache while a
// flood keeps it full of live answers: before, every put walked all 65,536
// of them under the lock.
//
//	go test ./radiusd/ -run '^$' -bench DedupPutWhenFull
func BenchmarkDedupPutWhenFull(b *testing.B) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	c := newDedupCache(clock.now)
	for i := range maxDedup {
		c.put(dedupKey(i), radius.CodeAccessReject)
	}
	i := maxDedup
	for b.Loop() {
		c.put(dedupKey(i), radius.CodeAccessReject)
		i++
	}
}
