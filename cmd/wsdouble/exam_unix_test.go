//go:build unix

package main_test

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	cli "github.com/wsdouble/wsdouble/cmd/wsdouble"
)

// TestExamStopsOnCtrlC: Ctrl-C stops exam at once, one case running or
// several: it kills every client, though none would stop when
// interrupted, and reaps it; it starts no further case; it tells the
// cases it cut short apart from failures.
func TestExamStopsOnCtrlC(t *testing.T) {
	for _, parallel := range []int{1, 3} {
		t.Run(fmt.Sprintf("parallel=%d", parallel), func(t *testing.T) {
			fifo := mkfifo(t) // each client writes its pid there
			// A first retry a minute away: no case ends before Ctrl-C.
			c := start(t, "exam", "--parallel", strconv.Itoa(parallel), "--min-delay", "1m", "--only", "refuse/*",
				"--", "sh", "-c", `echo $$ > `+fifo+`; trap "" INT; exec sleep 60`)
			pids := readPIDs(t, fifo, parallel)
			began := time.Now()
			if code := c.stop(t); code != cli.ExitFailed {
				t.Errorf("exam: exit %d after Ctrl-C, want %d\n%s%s", code, cli.ExitFailed, c.stdout, c.stderr)
			}
			if d := time.Since(began); d > stopWithin+endGraceAllowance {
				t.Errorf("exam stopped %v after Ctrl-C, want within %v", d, stopWithin+endGraceAllowance)
			}
			for _, pid := range pids {
				// ESRCH once the process is reaped: a zombie is still there.
				if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
					t.Errorf("the client (pid %d) is still there after exam stopped: %v", pid, err)
				}
			}
			if !strings.Contains(c.stderr.String(), "wsdouble exam: interrupted") {
				t.Errorf("standard error: %q, want it to say exam was interrupted", c.stderr)
			}
			// The cases started, in order, and no other.
			var want strings.Builder
			for _, name := range []string{"refuse/503", "refuse/503-retry-after", "refuse/500"}[:parallel] {
				fmt.Fprintf(&want, "STOP  %-34s interrupted after ", name)
			}
			fmt.Fprintf(&want, "0 passed, 0 failed, 0 skipped, %d interrupted", parallel)
			if got := regexp.MustCompile(`after \S+\n`).ReplaceAllString(c.stdout.String(), "after "); !strings.Contains(got, want.String()) {
				t.Errorf("standard output:\n%s\nwant it to end (durations aside):\n%s", c.stdout, want.String())
			}
		})
	}
}

// readPIDs reads n process ids from fifo, as clients write them, one a
// line and each client opening it anew.
func readPIDs(t *testing.T, fifo string, n int) []int {
	t.Helper()
	var pids []int
	got := make(chan []byte, 1)
	deadline := time.After(20 * time.Second)
	for len(pids) < n {
		go func() {
			b, _ := os.ReadFile(fifo)
			got <- b
		}()
		select {
		case b := <-got:
			for f := range strings.FieldsSeq(string(b)) {
				pid, err := strconv.Atoi(f)
				if err != nil {
					t.Fatalf("a client wrote %q: %v", b, err)
				}
				pids = append(pids, pid)
			}
		case <-deadline:
			// The read waits for a writer: give it one, to end it.
			if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
				f.Close()
			}
			<-got
			t.Fatalf("%d clients started within 20 s (%v), want %d", len(pids), pids, n)
		}
	}
	return pids
}

// endGraceAllowance is the second exam gives a stopped client's
// connections to end.
const endGraceAllowance = time.Second
