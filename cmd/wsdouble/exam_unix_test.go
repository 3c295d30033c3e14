//go:build unix

package main_test

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	cli "github.com/wsdouble/wsdouble/cmd/wsdouble"
)

// TestExamStopsOnCtrlC: Ctrl-C stops exam at once, and kills a client
// that would not stop when interrupted.
func TestExamStopsOnCtrlC(t *testing.T) {
	fifo := mkfifo(t) // the client writes its pid there: the read waits for it
	c := start(t, "exam", "--", "sh", "-c", `echo $$ > `+fifo+`; trap "" INT; exec sleep 60`)
	b, err := os.ReadFile(fifo)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("the client wrote %q: %v", b, err)
	}
	began := time.Now()
	if code := c.stop(t); code != cli.ExitFailed {
		t.Errorf("exam: exit %d after Ctrl-C, want %d\n%s%s", code, cli.ExitFailed, c.stdout, c.stderr)
	}
	if d := time.Since(began); d > stopWithin+endGraceAllowance {
		t.Errorf("exam stopped %v after Ctrl-C, want within %v", d, stopWithin+endGraceAllowance)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the client (pid %d) is still there after exam stopped: %v", pid, err)
	}
	if !strings.Contains(c.stderr.String(), "wsdouble exam: interrupted") {
		t.Errorf("standard error: %q, want it to say exam was interrupted", c.stderr)
	}
}

// endGraceAllowance is the second exam gives a stopped client's
// connections to end.
const endGraceAllowance = time.Second
