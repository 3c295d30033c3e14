package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/wsdouble/wsdouble/scenario"
)

func init() {
	commands = append(commands, &command{
		name:    "check",
		args:    "FILE...",
		summary: "validate scenario files",
		help: `Check reads each scenario file and reports every problem with its line and
column, attempt, step and field. "-" reads the standard input. The exit
status is 0 when every file is valid, 2 otherwise (1 when interrupted).
A journal left by record (FILE.json.journal) is checked as the script it
records.

Examples:

  wsdouble check testdata/flaky.json
  wsdouble check scripts/*.json
  cat flaky.json | wsdouble check -`,
		flags: func(*flag.FlagSet) func(context.Context, Env, []string) int {
			return runCheck
		},
	})
}

func runCheck(ctx context.Context, env Env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, "wsdouble check: missing FILE (see wsdouble check --help)")
		return ExitInvalid
	}
	code := ExitOK
	for _, path := range args {
		s, journal, err := loadScript(ctx, env, path)
		if errors.Is(err, errInterrupted) {
			return fail(env, "check", ExitFailed, err)
		}
		if err != nil {
			fail(env, "check", ExitInvalid, err)
			code = ExitInvalid
			continue
		}
		steps := 0
		for _, a := range s.Attempts {
			steps += len(a.Steps)
		}
		what := "scenario"
		if journal {
			what = "the journal of a recording of scenario"
		}
		fmt.Fprintf(env.Stdout, "%s: ok: %s %q, %s, %s\n", displayName(path), what, s.Name, plural(len(s.Attempts), "attempt", "attempts"), plural(steps, "step", "steps"))
		if journal {
			fmt.Fprintf(env.Stdout, "  wsdouble record --recover %s --out FILE writes it as a script\n", displayName(path))
		}
	}
	return code
}

// maxScriptSize is what scenario.Parse reads at most.
const maxScriptSize = 64 << 20

// loadScript reads a script from a file, or stdin for "-", and stops when
// ctx is done (errInterrupted): the file may be a FIFO no one writes to.
// A journal of a recording (see record) is read as the script it records;
// journal says so. Its errors name the file.
func loadScript(ctx context.Context, env Env, path string) (s *scenario.Script, journal bool, err error) {
	name := displayName(path)
	if path != "-" {
		if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Size() > maxScriptSize && !startsAsJournal(path) {
			return nil, false, fmt.Errorf("%s: the script is larger than %s", name, sizeText(maxScriptSize))
		}
	}
	data, err := readInput(ctx, env, path, max(maxScriptSize, maxJournalSize))
	switch {
	case errors.Is(err, errInterrupted):
		return nil, false, fmt.Errorf("%s: %w before it was read", name, err)
	case errors.Is(err, errTooLarge):
		return nil, false, fmt.Errorf("%s: the file is larger than %s", name, sizeText(max(maxScriptSize, maxJournalSize)))
	case err != nil:
		return nil, false, err
	}
	s, err = scenario.RecoverJournal(bytes.NewReader(data))
	switch {
	case err == nil:
		return s, true, nil
	case !errors.Is(err, scenario.ErrNotJournal):
		return nil, true, fmt.Errorf("%s:%s", name, strings.TrimPrefix(err.Error(), "scenario: RecoverJournal:"))
	}
	if len(data) > maxScriptSize {
		return nil, false, fmt.Errorf("%s: the script is larger than %s", name, sizeText(maxScriptSize))
	}
	s, err = scenario.Parse(bytes.NewReader(data))
	if err != nil {
		lines := strings.Split(strings.TrimPrefix(err.Error(), "scenario: "), "\n")
		for i, l := range lines {
			lines[i] = name + ":" + l
		}
		return nil, false, errors.New(strings.Join(lines, "\n"))
	}
	return s, false, nil
}

// startsAsJournal reports whether the regular file at path starts with a
// journal's first line: a journal may be larger than a script.
func startsAsJournal(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	first, err := bufio.NewReader(io.LimitReader(f, 4096)).ReadBytes('\n')
	if err != nil {
		return false
	}
	_, err = scenario.RecoverJournal(bytes.NewReader(first))
	return !errors.Is(err, scenario.ErrNotJournal)
}

func displayName(path string) string {
	if path == "-" {
		return "<stdin>"
	}
	return path
}
