package clientcheck

import (
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// TestCaseLayout: a case's builder is in the file of its family,
// case_<family>.go, the family being the part of its name before the
// slash, without hyphens.
func TestCaseLayout(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.Name] {
			t.Errorf("two cases named %s", c.Name)
		}
		seen[c.Name] = true
		family, _, ok := strings.Cut(c.Name, "/")
		if !ok {
			t.Errorf("case %q: want a name family/what", c.Name)
			continue
		}
		fn := runtime.FuncForPC(reflect.ValueOf(c.build).Pointer())
		file, _ := fn.FileLine(fn.Entry())
		if want := "case_" + strings.ReplaceAll(family, "-", "") + ".go"; filepath.Base(file) != want {
			t.Errorf("case %s: its builder %s is in %s, want %s", c.Name, fn.Name(), filepath.Base(file), want)
		}
	}
	if len(cases) < 40 {
		t.Errorf("the battery has %d cases, want at least 40", len(cases))
	}
}
