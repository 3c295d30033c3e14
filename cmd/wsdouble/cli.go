package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit codes.
const (
	ExitOK      = 0 // success; for serve --once, every expectation held
	ExitFailed  = 1 // a run failed: an unmet expectation, a port in use, an unreachable upstream
	ExitInvalid = 2 // bad usage or invalid input: unknown flags, missing or invalid files
)

// Env is the world the command runs in.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Getenv reads the environment (NO_COLOR); nil reads none.
	Getenv func(string) string
	// Terminal reports whether Stdout is a terminal: the live timeline is
	// in colour then.
	Terminal bool
}

func (e Env) stdin() io.Reader {
	if e.Stdin == nil {
		return strings.NewReader("")
	}
	return e.Stdin
}

func (e Env) getenv(k string) string {
	if e.Getenv == nil {
		return ""
	}
	return e.Getenv(k)
}

// command is one subcommand.
type command struct {
	name    string
	args    string // the arguments after the flags, for the usage line
	summary string
	help    string // what it does, flags aside, and examples
	flags   func(fs *flag.FlagSet) func(ctx context.Context, env Env, args []string) int
}

var commands []*command

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

const overview = `wsdouble serves, records and checks WebSocket scenarios: scripts of what a
server does to each connection attempt (accept, refuse, hang, echo, send,
expect, close, drop, faults). Point any client, in any language, at a served
scenario and watch it survive attempt-by-attempt failures.

Usage:

  wsdouble <command> [flags] [arguments]

Commands:
`

const footer = `
Run "wsdouble <command> --help" for a command's flags and examples.
The script format: go doc github.com/wsdouble/wsdouble/scenario
`

// order is the order usage lists the commands in.
var order = []string{"serve", "record", "import-har", "check", "version"}

func usage(w io.Writer) {
	io.WriteString(w, overview)
	for _, name := range order {
		c := lookup(name)
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	io.WriteString(w, footer)
}

// run runs the command line args (without the program name) and returns
// the exit code. It stops what it is doing when ctx is done (Ctrl-C).
// main calls it with the process's world; the tests call it in process.
func run(ctx context.Context, args []string, env Env) int {
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	if len(args) == 0 {
		usage(env.Stderr)
		return ExitInvalid
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 {
			if c := lookup(rest[0]); c != nil {
				commandUsage(env.Stdout, c, newFlagSet(c))
				return ExitOK
			}
			return fail(env, "help", ExitInvalid, fmt.Errorf("unknown command %q", rest[0]))
		}
		usage(env.Stdout)
		return ExitOK
	case "-version", "--version":
		name = "version"
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(env.Stderr, "wsdouble: unknown command %q (commands: %s; see wsdouble help)\n", name, commandNames())
		return ExitInvalid
	}
	fs := newFlagSet(c)
	run := c.flags(fs)
	positional, err := parseInterspersed(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		commandUsage(env.Stdout, c, fs)
		return ExitOK
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "wsdouble %s: %v (see wsdouble %s --help)\n", c.name, err, c.name)
		return ExitInvalid
	}
	return run(ctx, env, positional)
}

func newFlagSet(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet("wsdouble "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported in one line by run
	return fs
}

func commandNames() string { return strings.Join(order, ", ") }

func commandUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: wsdouble %s", c.name)
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		io.WriteString(w, " [flags]")
	}
	if c.args != "" {
		io.WriteString(w, " "+c.args)
	}
	io.WriteString(w, "\n\n"+c.help+"\n")
	if hasFlags {
		io.WriteString(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// parseInterspersed parses flags that may come before or after the
// positional arguments ("serve script.json --once"), as users type them.
// "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

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
