package artifacttest

import (
	"context"
	"os"
	"os/exec"
)

// TB is what Rerun needs of the test that calls it: *testing.T and
// *testing.B have it.
type TB interface {
	Helper()
	// TempDir is where the children write: it must outlive Rerun's
	// caller's look at it, as a test's TempDir does.
	TempDir() string
	// Context ends the children when it is done.
	Context() context.Context
}

// Rerun runs the tests of this test binary that match the -test.run
// pattern run, with -test.artifacts, and the environment variable env set
// to "1" (the children skip without it). It returns their output, the
// output directory (whose _artifacts directory holds what they left), and
// the error of the run: a child that fails on purpose makes it exit 1.
func Rerun(t TB, run, env string) (output, outDir string, err error) {
	t.Helper()
	outDir = t.TempDir()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run="+run, "-test.v", "-test.artifacts", "-test.outputdir="+outDir)
	cmd.Env = append(os.Environ(), env+"=1")
	b, err := cmd.CombinedOutput()
	return string(b), outDir, err
}
