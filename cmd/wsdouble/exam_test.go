package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
