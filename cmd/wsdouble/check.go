package main

import (
	"context"
	"errors"
	"fmt"
)

// checkHelp is check's help; it has no flags.
const checkHelp = `Check reads each scenario file and reports every problem with its line and
column, attempt, step and field. "-" reads the standard input. The exit
status is 0 when every file is valid, 2 otherwise (1 when interrupted).
A journal left by record (FILE.json.journal) is checked as the script it
records.

Examples:

  wsdouble check testdata/flaky.json
  wsdouble check scripts/*.json
  cat flaky.json | wsdouble check -`

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
		steps, rules := 0, 0
		for _, a := range s.Attempts {
			steps += len(a.Steps)
			rules += len(a.Rules)
		}
		what := "scenario"
		if journal {
			what = "the journal of a recording of scenario"
		}
		counts := plural(len(s.Attempts), "attempt", "attempts") + ", " + plural(steps, "step", "steps")
		if rules > 0 {
			counts += ", " + plural(rules, "rule", "rules")
		}
		fmt.Fprintf(env.Stdout, "%s: ok: %s %q, %s\n", displayName(path), what, s.Name, counts)
		if journal {
			fmt.Fprintf(env.Stdout, "  wsdouble record --recover %s --out FILE writes it as a script\n", displayName(path))
		}
	}
	return code
}
