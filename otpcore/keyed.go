package otpcore

import (
	"encoding/binary"
	"sync"
)

// Keying generators from a pool, and the one-block finish of each HMAC:
// the two things that make a login's check cheap (see Generator).

// padBlock writes the Merkle–Damgård padding of a message of n bytes that
// follows one block already hashed: 0x80, zeros, the total length in bits
// at the end of the block (SHA-512's 128-bit length field is zero above
// these 64 bits).
func padBlock(b []byte, n, blockSize int) {
	clear(b)
	b[n] = 0x80
	binary.BigEndian.PutUint64(b[len(b)-8:], uint64(blockSize+n)*8)
}

// oneBlockWorks reports, per algorithm and once, whether the one-block
// finish (finalBlocks) gives what the hash's own Sum gives. It relies on
// the standard library's saved state starting with a 4-byte magic and the
// chaining value, big-endian, which after a whole block is the digest;
// should a Go release change that layout, generators fall back to Sum.
var oneBlockWorks = [SHA512 + 1]func() bool{
	SHA1: onceAgrees(SHA1, oneBlockAgrees), SHA256: onceAgrees(SHA256, oneBlockAgrees),
	SHA512: onceAgrees(SHA512, oneBlockAgrees),
}

// onceAgrees runs the self-test agrees for alg once, when first needed.
func onceAgrees(alg Algorithm, agrees func(Algorithm) bool) func() bool {
	return sync.OnceValue(func() bool { return agrees(alg) })
}

func oneBlockAgrees(alg Algorithm) bool {
	return oneBlockAgreesOn(newPlain(alg))
}

// oneBlockAgreesOn is the self-test on g (unkeyed). A layout too short to
// hold the digest where finalBlocks reads it makes that slice panic: that
// too is a disagreement, answered with the fallback, not a crash of every
// process at its first generator.
func oneBlockAgreesOn(g *Generator) (ok bool) {
	defer func() {
		if recover() != nil {
			ok, g.oneBlock = false, false
		}
	}()
	if g.rekey([]byte("one-block self-test key"), MaxDigits) != nil {
		return false
	}
	defer g.wipe()
	for _, c := range []uint64{0, 1, 1 << 40, ^uint64(0)} {
		want := g.Value(c)
		g.oneBlock = true
		got := g.Value(c)
		g.oneBlock = false
		if got != want {
			return false
		}
	}
	return true
}

// wipe forgets everything derived from the key.
func (g *Generator) wipe() {
	// Only what was written: every saved state is as long as
	// afterOneBlock, and the keyed states are ipad and opad.
	clear(g.scratch[:min(len(g.afterOneBlock), len(g.scratch))])
	clear(g.inBlock[:8])
	clear(g.outBlock[:g.inner.Size()])
	clear(g.ipad)
	clear(g.opad)
	clear(g.sum[:])
	g.ipad, g.opad = nil, nil
	g.inner.Reset()
	g.outer.Reset()
}

// generatorPools hold unkeyed generators per algorithm for
// AcquireGenerator.
var generatorPools [SHA512 + 1]sync.Pool

// AcquireGenerator is NewGenerator for one verification: the generator
// comes from a pool and is keyed without allocating. Call Release when
// done; the generator must not be used after that.
func AcquireGenerator(alg Algorithm, key []byte, digits int) (*Generator, error) {
	if err := checkGeneratorArgs(alg, key, digits); err != nil {
		return nil, err
	}
	g := pooled(alg)
	if err := g.rekey(key, digits); err != nil {
		return nil, err // g, wiped, is left to the garbage collector
	}
	return g, nil
}

// pooled is an unkeyed generator of alg from the pool, or a new one.
func pooled(alg Algorithm) *Generator {
	if g, _ := generatorPools[alg].Get().(*Generator); g != nil {
		return g
	}
	return newUnkeyed(alg)
}

// Release wipes the key's traces from a generator from AcquireGenerator
// and returns it to the pool.
func (g *Generator) Release() {
	g.wipe()
	generatorPools[g.alg].Put(g)
}

// finalBlocks is the HMAC of counter as two single-block hashes from the
// keyed states, each digest read from the state after its block.
func (g *Generator) finalBlocks(counter uint64) []byte {
	bs, size := g.inner.BlockSize(), g.inner.Size()
	binary.BigEndian.PutUint64(g.inBlock[:8], counter)
	restore(g.innerState, g.ipad)
	g.inner.Write(g.inBlock[:bs])
	st, _ := g.innerState.AppendBinary(g.scratch[:0])
	copy(g.outBlock[:size], st[4:4+size])
	restore(g.outerState, g.opad)
	g.outer.Write(g.outBlock[:bs])
	st, _ = g.outerState.AppendBinary(g.scratch[:0])
	return st[4 : 4+size]
}
