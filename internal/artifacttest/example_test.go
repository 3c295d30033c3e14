package artifacttest_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble/internal/artifacttest"
)

// childEnv is set in the child's environment: only there does
// TestChildLeavesADrawing run.
const childEnv = "ARTIFACTTEST_CHILD"

// TestChildLeavesADrawing is the failing test Example runs again: it
// leaves a drawing in its artifact directory and fails, as a failed
// assertion of wstest does.
func TestChildLeavesADrawing(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("run by Example, in a child process")
	}
	if err := os.WriteFile(filepath.Join(t.ArtifactDir(), "drawing.html"), []byte("<!doctype html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Error("failed on purpose")
}

// example is the TB of Example; a test passes its t.
type example struct {
	ctx context.Context
	dir string
}

func (example) Helper()                    {}
func (e example) TempDir() string          { return e.dir }
func (e example) Context() context.Context { return e.ctx }

// A test checks what a failing test leaves behind: it runs the failing
// test again in a child process with -artifacts, then looks in the
// directory the child was given.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "artifacttest")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	output, outDir, err := artifacttest.Rerun(example{ctx, dir}, "^TestChildLeavesADrawing$", childEnv)
	fmt.Println("the child:", err)
	fmt.Println("it failed:", strings.Contains(output, "--- FAIL: TestChildLeavesADrawing"))
	// The child's artifact directories are below outDir/_artifacts, one
	// per test run, with names of their own.
	filepath.WalkDir(filepath.Join(outDir, "_artifacts"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			fmt.Println("it left:", d.Name())
		}
		return nil
	})
	// Output:
	// the child: exit status 1
	// it failed: true
	// it left: drawing.html
}
