package main_test

import (
	"errors"
	gobuild "go/build"
	"path/filepath"
	"strings"
	"testing"
)

// TestInternalIsPlumbing: internal/ holds only the plumbing below wstest
// (memconn, latch, eventloop, ...); no package there imports the root
// package, wstest, scenario or anything else of the module outside
// internal/. The CLI, the top layer, lived there once: it is this package
// now.
func TestInternalIsPlumbing(t *testing.T) {
	const module = "github.com/wsdouble/wsdouble"
	dirs, err := filepath.Glob(filepath.Join("..", "..", "internal", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("internal/: Glob: got %d directories (%v), want some", len(dirs), err)
	}
	for _, dir := range dirs {
		pkg, err := gobuild.ImportDir(dir, 0)
		var none *gobuild.NoGoError
		switch {
		case errors.As(err, &none):
			continue
		case err != nil:
			t.Errorf("%s: ImportDir: %v", dir, err)
			continue
		}
		for _, imp := range pkg.Imports {
			if (imp == module || strings.HasPrefix(imp, module+"/")) && !strings.HasPrefix(imp, module+"/internal/") {
				t.Errorf("internal/%s: imports %s: got a package above the plumbing, want only the standard library, dependencies and internal/", filepath.Base(dir), imp)
			}
		}
	}
}
