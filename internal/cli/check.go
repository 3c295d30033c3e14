package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
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
status is 0 when every file is valid, 2 otherwise.

Examples:

  wsdouble check testdata/flaky.json
  wsdouble check scripts/*.json
  cat flaky.json | wsdouble check -`,
		flags: func(fs *flag.FlagSet) func(context.Context, Env, []string) int {
			return runCheck
		},
	})
}

func runCheck(_ context.Context, env Env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, "wsdouble check: missing FILE (see wsdouble check --help)")
		return ExitInvalid
	}
	code := ExitOK
	for _, path := range args {
		s, err := loadScript(env, path)
		if err != nil {
			fail(env, "check", ExitInvalid, err)
			code = ExitInvalid
			continue
		}
		steps := 0
		for _, a := range s.Attempts {
			steps += len(a.Steps)
		}
		fmt.Fprintf(env.Stdout, "%s: ok: scenario %q, %s, %s\n", displayName(path), s.Name, plural(len(s.Attempts), "attempt", "attempts"), plural(steps, "step", "steps"))
	}
	return code
}

// loadScript reads a script from a file, or stdin for "-". Its errors
// name the file.
func loadScript(env Env, path string) (*scenario.Script, error) {
	if path != "-" {
		s, err := scenario.Load(path)
		if err != nil {
			return nil, errors.New(strings.TrimPrefix(err.Error(), "scenario: "))
		}
		return s, nil
	}
	s, err := scenario.Parse(env.stdin())
	if err != nil {
		lines := strings.Split(err.Error(), "\n")
		for i, l := range lines {
			lines[i] = "<stdin>:" + l
		}
		return nil, errors.New(strings.Join(lines, "\n"))
	}
	return s, nil
}

func displayName(path string) string {
	if path == "-" {
		return "<stdin>"
	}
	return path
}
