package registry_test

import (
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"charm.land/bubbles/v2/key"

	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/views/audit"
	"github.com/two-factor/two-factor/views/backupcodes"
	"github.com/two-factor/two-factor/views/burn"
	"github.com/two-factor/two-factor/views/drift"
	"github.com/two-factor/two-factor/views/enroll"
	"github.com/two-factor/two-factor/views/importer"
	"github.com/two-factor/two-factor/views/resync"
	"github.com/two-factor/two-factor/views/tokens"
	"github.com/two-factor/two-factor/views/userdetail"
	"github.com/two-factor/two-factor/views/users"
)

// The common actions and the bindings that may share their keys: esc
// backs out of whatever is open (a filter, a form, an input), and that is
// still "back".
var (
	common  = []string{"Reload", "Top", "Bottom", "Back", "Filter", "Help"}
	aliases = map[string][]string{"Back": {"Cancel", "CancelAdd", "Clear", "Done", "Edit"}}
)

// TestKeysMeanTheSameOnEveryScreen walks every screen's KeyMap: a common
// action (reload, top, bottom, back, filter, help) has the global keys
// wherever a screen binds it, and no screen binds one of those keys to
// anything else (g was "generate" on the backup codes, r "reload" on the
// user list and "rename" on a user's screen).
func TestKeysMeanTheSameOnEveryScreen(t *testing.T) {
	g := tui.DefaultGlobalKeyMap()
	keymaps := map[string]any{
		"audit":       audit.DefaultKeyMap(g),
		"backupcodes": backupcodes.DefaultKeyMap(),
		"burn":        burn.DefaultKeyMap(g),
		"drift":       drift.DefaultKeyMap(g),
		"enroll":      enroll.DefaultKeyMap(g),
		"importer":    importer.DefaultKeyMap(),
		"resync":      resync.DefaultKeyMap(),
		"tokens":      tokens.DefaultKeyMap(g),
		"userdetail":  userdetail.DefaultKeyMap(g),
		"users":       users.DefaultKeyMap(g),
	}
	files, _ := filepath.Glob("../*/keys.go")
	if len(files) != len(keymaps) {
		t.Fatalf("%d screens have a keys.go, %d are checked here: add the new one", len(files), len(keymaps))
	}
	global := bindings(reflect.ValueOf(g))
	meaning := map[string]string{} // key → common action
	for _, a := range common {
		for _, k := range global[a].Keys() {
			meaning[k] = a
		}
	}
	for screen, km := range keymaps {
		for field, b := range bindings(reflect.ValueOf(km)) {
			if slices.Contains(common, field) && !slices.Equal(b.Keys(), global[field].Keys()) {
				t.Errorf("%s: %s is %v, everywhere else %v", screen, field, b.Keys(), global[field].Keys())
			}
			for _, k := range b.Keys() {
				a, ok := meaning[k]
				if ok && field != a && !slices.Contains(aliases[a], field) {
					t.Errorf("%s: %q is bound to %s, but it means %s on every screen", screen, k, field, a)
				}
			}
		}
	}
}

// bindings returns a KeyMap's bindings by field name, embedded KeyMaps'
// included (a screen's own field shadows an embedded one, as in Go).
func bindings(v reflect.Value) map[string]key.Binding {
	out := map[string]key.Binding{}
	bt := reflect.TypeFor[key.Binding]()
	var embedded []reflect.Value
	for i := range v.NumField() {
		f := v.Type().Field(i)
		switch {
		case f.Type == bt:
			out[f.Name] = v.Field(i).Interface().(key.Binding)
		case f.Anonymous && f.Type.Kind() == reflect.Struct:
			embedded = append(embedded, v.Field(i))
		}
	}
	for _, e := range embedded {
		for name, b := range bindings(e) {
			if _, shadowed := out[name]; !shadowed {
				out[name] = b
			}
		}
	}
	return out
}
