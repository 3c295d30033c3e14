package interop

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// wsdouble exam puts reconnecting-client.mjs, a reconnecting client on
// Node's ws package, through the client checker's battery over loopback,
// on real time with its durations at a third: it passes every case that
// applies to it. With --bug hot-loop it dials again at once after a drop,
// and exam names each case that caught it.

// examArgs are exam's flags for reconnecting-client.mjs: its policy as
// the file's comment states it, and its healthy session, its durations
// multiplied by scale, with tolerance on every timing; twelve cases at
// once.
func examArgs(scale, tolerance string) []string {
	return []string{
		"exam", "--healthy", "exam/healthy.json",
		"--min-delay", "1s", "--max-delay", "4s", "--factor", "2", "--reset-after", "2s", "--max-retries", "5",
		"--give-up-status", "401,403", "--give-up-code", "4001", "--connect-timeout", "2s", "--keepalive", "3s",
		"--protocol", "v1", "--scale", scale, "--tolerance", tolerance, "--parallel", "12",
	}
}

// exam runs wsdouble exam with args then the client's command line, and
// returns its exit code, standard output and standard error.
func exam(t *testing.T, args []string, client ...string) (int, string, string) {
	t.Helper()
	need(t, "node", lookPath("node"))
	_, err := os.Stat("node_modules/ws/package.json")
	need(t, "the ws package (npm ci in interop/)", err == nil)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, wsdoubleBin(t), append(append(args, "--"), client...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), stdout.String(), stderr.String()
	case err != nil:
		t.Fatalf("wsdouble exam: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	return 0, stdout.String(), stderr.String()
}

// TestExamNodeClient: the battery takes the client 151 s one case at a
// time, 41 s four at a time, 25 s eight at a time, under 35 s twelve at a
// time with a tolerance of a second: its cases mostly wait, and its
// longest comes near its end.
//
// The tolerance is for a 2-core machine busy with other tests and the
// clients starting beside each other: with a go test ./... running (load
// 7, a fifth of the CPU stolen), retries came up to 1.1 s late, the
// client's own log showing its timers as late.
func TestExamNodeClient(t *testing.T) {
	t.Parallel() // half a minute of real time
	code, out, errs := exam(t, examArgs("0.3", "1s"), "node", "reconnecting-client.mjs", "{url}", "{scale}")
	if code != 0 {
		t.Fatalf("wsdouble exam: exit %d, want 0\n%s%s", code, out, errs)
	}
	for _, want := range []string{"PASS  drop/after-healthy", "PASS  fault/half-open", "PASS  frame/bad-utf8", "PASS  stop/connected", "0 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output has no %q:\n%s", want, out)
		}
	}
}

// TestExamBrokenNodeClient: the hot loop is caught while the delay it
// skips, less the tolerance, is longer than its gap: on the busy machine
// above, a dial at once came up to 175 ms after the drop. The test runs
// before the package's parallel tests, not beside them: its seven clients
// start at once, and one that the other clients starting too starve of
// the CPU for longer than its handshake timeout gives up its first
// handshake before it reads the answer (Node runs due timers before I/O),
// so a drop at open does not set off its bug.
func TestExamBrokenNodeClient(t *testing.T) {
	// The first retry is due after 600 ms ± 300 ms: 300 ms at least.
	args := append(examArgs("0.6", "300ms"), "--only", "drop/*,refuse/503,close/1012")
	code, out, errs := exam(t, args, "node", "reconnecting-client.mjs", "{url}", "{scale}", "--bug", "hot-loop")
	if code != 1 {
		t.Fatalf("wsdouble exam: exit %d, want 1\n%s%s", code, out, errs)
	}
	const named = "wsdouble exam: 5 cases failed: drop/at-open, drop/after-healthy, drop/mid-message, drop/reset, drop/flapping\n"
	if errs != named {
		t.Errorf("standard error:\n%s\nwant:\n%s", errs, named)
	}
	for _, want := range []string{
		"PASS  refuse/503", "PASS  close/1012", "FAIL  drop/at-open",
		"sooner than the policy allows", // the failure says why
		"the client's output:",          // and what the client printed
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output has no %q:\n%s", want, out)
		}
	}
}
