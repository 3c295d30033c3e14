// Package artifacttest runs tests of the running test binary again under
// go test -artifacts, so that a test can check what the failures of
// others leave in their artifact directories (internal/htmlreport's
// drawings), with the real testing.T and the real flag.
package artifacttest

import (
	"os"
	"os/exec"
	"testing"
)

// Rerun runs the tests of this test binary that match the -test.run
// pattern run, with -test.artifacts, and the environment variable env set
// to "1" (the children skip without it). It returns their output, the
// output directory (whose _artifacts directory holds what they left), and
// the error of the run: a child that fails on purpose makes it exit 1.
func Rerun(t testing.TB, run, env string) (output, outDir string, err error) {
	t.Helper()
	outDir = t.TempDir()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run="+run, "-test.v", "-test.artifacts", "-test.outputdir="+outDir)
	cmd.Env = append(os.Environ(), env+"=1")
	b, err := cmd.CombinedOutput()
	return string(b), outDir, err
}
