package tokens_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/tokens"
	"github.com/two-factor/two-factor/views/users"
)

// The benchmark store: 10,000 tokens imported from a Microsoft CSV through
// the service (encrypted seeds, audit rows), 1,000 of them assigned to
// 1,000 users; built once per run and shared.
var big struct {
	once sync.Once
	dir  string
	path string
	err  error
}

const bigTokens = 10_000

func bigStore(b *testing.B) string {
	b.Helper()
	big.once.Do(func() {
		big.dir, big.err = os.MkdirTemp("", "two-factor-tokens-bench-")
		if big.err != nil {
			return
		}
		big.path = filepath.Join(big.dir, "big.db")
		ctx := context.Background()
		st, err := db.Open(ctx, big.path, db.Options{KeyFile: filepath.Join(big.dir, "master.key"), Create: true})
		if err != nil {
			big.err = err
			return
		}
		defer st.Close()
		rows := make([][5]string, bigTokens)
		for i := range rows {
			upn := ""
			if i%10 == 0 {
				upn = fmt.Sprintf("user%05d", i)
			}
			rows[i] = [5]string{upn, fmt.Sprintf("GALT%08d", i+1), []string{"c202", "c300", "molto2"}[i%3], "Token2", "30"}
		}
		svc := service.New(st)
		svc.Actor, svc.Now = "bench", func() time.Time { return servicetest.Start }
		_, big.err = svc.Import(ctx, strings.NewReader(stockCSV(rows...)),
			service.ImportOptions{ImportOptions: db.ImportOptions{Assign: true, CreateUsers: true}})
	})
	if big.err != nil {
		b.Fatal(big.err)
	}
	return big.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if big.dir != "" {
		os.RemoveAll(big.dir)
	}
	os.Exit(code)
}

// home opens the console on the big store at 80x24, the user list loaded.
func home(b *testing.B) *tuitest.App {
	e := tuitest.OpenEnv(b, bigStore(b))
	c := e.Common(80, 24)
	return tuitest.NewApp(c, users.New(c))
}

// BenchmarkFirstFrame10k measures i on the user list of a store holding
// 10,000 tokens: the inventory screen opens, lists every token (no
// secrets), and draws its first frame.
func BenchmarkFirstFrame10k(b *testing.B) {
	a := home(b)
	b.ResetTimer()
	for range b.N {
		a.Keys("i")
		frame := a.Root.Render()
		b.StopTimer()
		m, ok := a.Root.Top().(*tokens.Model)
		if !ok || !m.Loaded() || m.Visible() != 9_000 || !strings.Contains(frame, "9,000 unassigned · 1,000 assigned") {
			b.Fatalf("first frame:\n%s", tuitest.Plain(frame))
		}
		a.Send(tui.BackMsg{})
		b.StartTimer()
	}
}

// BenchmarkFilterKeystroke10k measures one key in the filter field and the
// frame after it, among 10,000 tokens: alternately typing 7 and erasing it.
func BenchmarkFilterKeystroke10k(b *testing.B) {
	a := home(b)
	a.Keys("i", "A", "/")
	m := a.Root.Top().(*tokens.Model)
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 {
			a.Keys("7")
		} else {
			a.Keys("backspace")
		}
		a.Root.Render()
	}
	b.StopTimer()
	if n := m.Visible(); n == 0 || n > bigTokens {
		b.Fatalf("%d tokens shown", n)
	}
}
