package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	ctx, stop := signalContext(os.Stderr, os.Exit)
	code := run(ctx, os.Args[1:], Env{
		Stdin:    os.Stdin,
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Getenv:   os.Getenv,
		Terminal: isTerminal(os.Stdout),
	})
	stop()
	os.Exit(code)
}

// isTerminal reports whether f is a character device, as a terminal is.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
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
