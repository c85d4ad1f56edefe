package users_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
	"github.com/two-factor/two-factor/themes"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/users"
)

// The benchmark store: 100,000 users and 150,000 devices, built once per
// run (about five seconds) and shared by the benchmarks.
var big struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func bigStore(b *testing.B) string {
	b.Helper()
	big.once.Do(func() {
		big.dir, big.err = os.MkdirTemp("", "two-factor-bench-")
		if big.err == nil {
			big.path, big.err = servicetest.BuildBigStore(big.dir, servicetest.BigStoreSpec{Users: 100_000, Devices: 150_000})
		}
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

// flatten unpacks tea.Batch results.
func flatten(msg tea.Msg) ([]tea.Cmd, bool) {
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeOf(tea.Cmd(nil)) {
		return nil, false
	}
	out := make([]tea.Cmd, v.Len())
	for i := range out {
		out[i] = v.Index(i).Interface().(tea.Cmd)
	}
	return out, true
}

// open does what bare two-factor does up to the first frame that shows
// users: open the store, build the console, and run its first commands
// concurrently, as Bubble Tea does, until a message puts users on screen.
// It returns the frame and a function that waits for the rest (the full
// list) to arrive.
func open(b *testing.B, path string) (frame string, rest func() (*tui.Model, *users.Model)) {
	ctx := context.Background()
	st, err := db.Open(ctx, path, db.Options{KeyFile: filepath.Join(filepath.Dir(path), "master.key")})
	if err != nil {
		b.Fatal(err)
	}
	svc := service.New(st)
	svc.Actor, svc.Now = "bench", func() time.Time { return servicetest.Start }
	c := tui.NewCommon(ctx, svc, themes.Choice{Name: themes.Dark, IsDark: true})
	home := users.New(c)
	root := tui.New(c, home)
	root.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	msgs := make(chan tea.Msg, 16)
	var wg sync.WaitGroup
	var run func(cmd tea.Cmd)
	run = func(cmd tea.Cmd) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := cmd()
			if cmds, ok := flatten(msg); ok {
				for _, c := range cmds {
					if c != nil {
						run(c)
					}
				}
				return
			}
			msgs <- msg
		}()
	}
	run(root.Init())
	for frame == "" || !strings.Contains(frame, "user000001") {
		root.Update(<-msgs)
		frame = root.Render()
	}
	return frame, func() (*tui.Model, *users.Model) {
		for !home.Loaded() {
			msg := <-msgs
			root.Update(msg)
		}
		go func() { wg.Wait(); close(msgs); st.Close() }()
		for range msgs {
		}
		return root, home
	}
}

// BenchmarkFirstFrame measures bare two-factor on a store of 100,000 users
// and 150,000 devices, from opening the store to the first frame that
// lists users.
func BenchmarkFirstFrame(b *testing.B) {
	path := bigStore(b)
	b.ResetTimer()
	for range b.N {
		frame, rest := open(b, path)
		b.StopTimer()
		if !strings.Contains(frame, "100,000 users") {
			b.Fatalf("first frame:\n%s", tuitest.Plain(frame))
		}
		rest()
		b.StartTimer()
	}
}

// BenchmarkFullList measures the time until the whole list is in memory,
// ready to be filtered and sorted (it loads in the background; the first
// frame does not wait for it).
func BenchmarkFullList(b *testing.B) {
	path := bigStore(b)
	b.ResetTimer()
	for range b.N {
		_, rest := open(b, path)
		rest()
	}
}

// loaded returns the console with all 100,000 users loaded and the filter
// field open.
func loaded(b *testing.B) (*tui.Model, *users.Model) {
	path := bigStore(b)
	_, rest := open(b, path)
	root, home := rest()
	root.Update(tuitest.Key("/"))
	return root, home
}

func press(root *tui.Model, k string) string {
	root.Update(tuitest.Key(k))
	return root.Render()
}

// BenchmarkFilterKeystroke measures one keystroke in the filter field and
// the frame it leads to, at 100,000 users: alternately typing a character
// that narrows the list from all 100,000 to the 40,951 names with a 7, and
// deleting it (which widens it back to everyone).
func BenchmarkFilterKeystroke(b *testing.B) {
	root, home := loaded(b)
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 {
			press(root, "7")
		} else {
			press(root, "backspace")
		}
	}
	b.StopTimer()
	if n := home.Visible(); n == 0 || n > 100_000 {
		b.Fatalf("%d users shown", n)
	}
}

// BenchmarkFilterTyping measures each keystroke of typing "user04242" and
// erasing it again: the narrowing steps search only what the previous
// filter left.
func BenchmarkFilterTyping(b *testing.B) {
	root, _ := loaded(b)
	word := "user04242"
	keys := make([]string, 0, 2*len(word))
	for _, r := range word {
		keys = append(keys, string(r))
	}
	for range word {
		keys = append(keys, "backspace")
	}
	b.ResetTimer()
	for i := range b.N {
		press(root, keys[i%len(keys)])
	}
}

// BenchmarkScroll measures moving the cursor one row in the full list.
func BenchmarkScroll(b *testing.B) {
	root, _ := loaded(b)
	root.Update(tuitest.Key("esc"))
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 {
			press(root, "down")
		} else {
			press(root, "up")
		}
	}
}
