package importer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// expand turns a leading ~ into the home directory, as a shell would.
func expand(path string) string {
	if path == "~" || strings.HasPrefix(path, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, path[1:])
		}
	}
	return path
}

// complete extends a typed path as a shell's tab does: to the longest
// prefix the names in its directory that start with it share, with a /
// after a lone directory. It returns the new text and the names that
// matched (hidden files only when the typed name starts with a dot).
func complete(typed string) (string, []string) {
	dir, base := filepath.Split(typed)
	list := dir
	if list == "" {
		list = "."
	}
	entries, err := os.ReadDir(expand(list))
	if err != nil {
		return typed, nil
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, base) || strings.HasPrefix(n, ".") && !strings.HasPrefix(base, ".") {
			continue
		}
		if st, err := os.Stat(filepath.Join(expand(list), n)); err == nil && st.IsDir() {
			n += "/"
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		return typed, nil
	}
	slices.Sort(names)
	common := names[0]
	for _, n := range names[1:] {
		i := 0
		for i < len(common) && i < len(n) && common[i] == n[i] {
			i++
		}
		for i > 0 && i < len(common) && !utf8.RuneStart(common[i]) {
			i-- // never cut a character in two
		}
		common = common[:i]
	}
	return dir + common, names
}
