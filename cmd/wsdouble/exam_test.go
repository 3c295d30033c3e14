package main_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble/clientcheck"
	cli "github.com/wsdouble/wsdouble/cmd/wsdouble"
)

func TestExamUsage(t *testing.T) {
	dir := t.TempDir()
	refusing := filepath.Join(dir, "refusing.json")
	if err := os.WriteFile(refusing, []byte(`{"version": 1, "attempts": [{"refuse": {"status": 503}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		says string
	}{
		{[]string{"exam"}, "wsdouble exam: missing the client's command line after --"},
		{[]string{"exam", "--", "no-such-command-wsdouble"}, `wsdouble exam: the client's command: exec: "no-such-command-wsdouble": executable file not found`},
		// What follows -- is the client's, flags too.
		{[]string{"exam", "--", "no-such-command-wsdouble", "--bug", "x"}, `wsdouble exam: the client's command: exec: "no-such-command-wsdouble"`},
		{[]string{"exam", "--parallel", "0", "--", "go"}, "wsdouble exam: --parallel 0: want 1 or more"},
		{[]string{"exam", "--parallel", "-2", "--", "go"}, "wsdouble exam: --parallel -2: want 1 or more"},
		{[]string{"exam", "--parallel", "x", "--", "go"}, `invalid value "x" for flag -parallel`},
		{[]string{"exam", "--factor", "0.5", "--", "go"}, "wsdouble exam: --factor 0.5: want a number of at least 1"},
		{[]string{"exam", "--jitter", "2", "--", "go"}, "wsdouble exam: --jitter 2: want a number from 0 to 1"},
		{[]string{"exam", "--give-up-status", "x", "--", "go"}, `invalid value "x" for flag -give-up-status: "x" is not a number`},
		{[]string{"exam", "--only", "nope/*", "--", "go"}, `wsdouble exam: clientcheck: Only("nope/*"): no case matches`},
		{[]string{"exam", "--healthy", refusing, "--", "go"}, "want one accepted attempt: its steps and rules are the healthy session"},
	} {
		code, _, stderr := run(t, "", tt.args...)
		if code != cli.ExitInvalid || !strings.Contains(stderr, tt.says) {
			t.Errorf("%q: exit %d, %q; want exit %d and %q", tt.args, code, stderr, cli.ExitInvalid, tt.says)
		}
	}
}

func TestExamList(t *testing.T) {
	code, stdout, _ := run(t, "", "exam", "--list")
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if code != cli.ExitOK || len(lines) != len(clientcheck.Cases()) {
		t.Fatalf("exam --list: exit %d, %d lines, want 0 and %d:\n%s", code, len(lines), len(clientcheck.Cases()), stdout)
	}
	for i, c := range clientcheck.Cases() {
		if !strings.HasPrefix(lines[i], c.Name+" ") || !strings.Contains(lines[i], "; want: "+c.Expect) {
			t.Errorf("line %d: %q, want %s and what it expects", i+1, lines[i], c.Name)
		}
	}
}

// examSelected are the cases TestExamParallel runs: a few the client
// passes and two it fails (it dials again after a 401 and a 4001, which
// exam is told it gives up on). handshake/slow, three times longer than
// the others, comes third: with four at once, the cases after it end
// first.
var examSelected = []string{"refuse/503", "refuse/401", "handshake/slow", "drop/at-open", "close/1000", "close/give-up", "frame/bad-utf8", "stop/connected"}

// examVerdicts are the lines of examSelected's cases, durations aside, in
// the battery's order.
var examVerdicts = []string{"PASS  refuse/503", "FAIL  refuse/401", "PASS  handshake/slow", "PASS  drop/at-open", "PASS  close/1000", "FAIL  close/give-up", "PASS  frame/bad-utf8", "PASS  stop/connected"}

// TestExamParallel: exam prints the same, in the battery's order, whether
// it runs the cases one after the other or four at once: a line per case,
// the counts, each failure in full, the failed cases named on standard
// error, exit 1.
func TestExamParallel(t *testing.T) {
	if testing.Short() {
		t.Skip("seconds of real time")
	}
	t.Parallel()
	cases, err := clientcheck.Select(clientcheck.Only(examSelected...))
	if err != nil || len(cases) != len(examVerdicts) {
		t.Fatalf("Select: %d cases, %v; want %d", len(cases), err, len(examVerdicts))
	}
	for i, c := range cases {
		if !strings.HasSuffix(examVerdicts[i], "  "+c.Name) {
			t.Fatalf("case %d of the battery is %s, want the %d-th line %q to be its", i+1, c.Name, i+1, examVerdicts[i])
		}
	}
	for _, parallel := range []int{1, 4} {
		args := append([]string{"exam", "--parallel", strconv.Itoa(parallel),
			"--min-delay", "1s", "--factor", "1", "--give-up-status", "401", "--give-up-code", "4001",
			"--scale", "0.05", "--tolerance", "300ms", "--only", strings.Join(examSelected, ","), "--"}, examClient(t)...)
		began := time.Now()
		code, stdout, stderr := run(t, "", args...)
		t.Logf("--parallel %d: %v", parallel, time.Since(began).Round(time.Millisecond))
		if code != cli.ExitFailed || stderr != "wsdouble exam: 2 cases failed: refuse/401, close/give-up\n" {
			t.Errorf("--parallel %d: exit %d, %q; want %d and the two failed cases named", parallel, code, stderr, cli.ExitFailed)
		}
		lines := strings.Split(stdout, "\n")
		if want := fmt.Sprintf("8 cases over loopback, %d at a time", parallel); !strings.Contains(lines[0], want) {
			t.Errorf("--parallel %d: the first line is %q, want it to say %q", parallel, lines[0], want)
		}
		var table []string
		for _, l := range lines[1:min(len(lines), 1+len(examVerdicts))] {
			table = append(table, strings.TrimRight(l[:min(len(l), 40)], " "))
		}
		if !slices.Equal(table, examVerdicts) {
			t.Errorf("--parallel %d: the table, durations aside:\n%s\nwant:\n%s\nall of it:\n%s", parallel,
				strings.Join(table, "\n"), strings.Join(examVerdicts, "\n"), stdout)
		}
		summary := "\n6 passed, 2 failed, 0 skipped\n\nrefuse/401: "
		first, second := strings.Index(stdout, summary), strings.Index(stdout, "\nclose/give-up: ")
		if first < 0 || second < first {
			t.Errorf("--parallel %d: want the counts, then refuse/401's failure, then close/give-up's:\n%s", parallel, stdout)
		}
		// Each failure shows its own client's output, which ends as a test
		// binary's does, and none of the clients that ran beside it.
		const own = "  the client's output:\n    PASS\n"
		if n := strings.Count(stdout, own); n != 2 || strings.Contains(stdout, "PASS\n    PASS") {
			t.Errorf("--parallel %d: %d failures show %q alone, want 2:\n%s", parallel, n, own, stdout)
		}
	}
}
