package seedfile

import (
	"flag"
	"os"
	"testing"
)

// fuzzMinimizeTime replaces go test's default of a minute for minimising
// each new input. The minimiser tries removing every span of bytes, O(n²)
// runs of a target that parses a file several times over, so with the
// default a 30 s "go test -fuzz" run spent all of it minimising the first
// interesting input. Pass -fuzzminimizetime explicitly to minimise a
// crasher for longer.
const fuzzMinimizeTime = "1s"

func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.fuzzminimizetime" })
	if !explicit {
		if err := flag.Set("test.fuzzminimizetime", fuzzMinimizeTime); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
