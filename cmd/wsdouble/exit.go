package main

import (
	"fmt"
	"strings"
)

// Exit codes.
const (
	ExitOK      = 0 // success; for serve --once, every expectation held
	ExitFailed  = 1 // a run failed: an unmet expectation, a port in use, an unreachable upstream
	ExitInvalid = 2 // bad usage or invalid input: unknown flags, missing or invalid files
)

// fail reports err in one line and returns code.
func fail(env Env, cmd string, code int, err error) int {
	for line := range strings.SplitSeq(err.Error(), "\n") {
		fmt.Fprintf(env.Stderr, "wsdouble %s: %s\n", cmd, line)
	}
	return code
}

// exactly checks the count of positional arguments.
func exactly(env Env, cmd string, args []string, n int, what string) bool {
	if len(args) == n {
		return true
	}
	if len(args) < n {
		fmt.Fprintf(env.Stderr, "wsdouble %s: missing %s (see wsdouble %s --help)\n", cmd, what, cmd)
	} else {
		fmt.Fprintf(env.Stderr, "wsdouble %s: unexpected argument %q (see wsdouble %s --help)\n", cmd, args[n], cmd)
	}
	return false
}
