package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

// commands is the table of wsdouble's commands, in the order usage lists
// them. Adding a command is a row here and a file that holds its help and
// its flags.
var commands = []command{
	{name: "serve", args: "[SCRIPT.json]", summary: "serve a scenario to WebSocket clients, with a live timeline", help: serveHelp, flags: serveFlags},
	{name: "record", summary: "record a real server's behaviour through a proxy, as a scenario", help: recordHelp, flags: recordFlags},
	{name: "import-har", args: "FILE.har", summary: "turn a HAR file's WebSocket connections into a scenario", help: importHARHelp, flags: importHARFlags},
	{name: "report", args: "FILE.jsonl", summary: "draw a run of serve --json as a self-contained HTML page", help: reportHelp, flags: reportFlags},
	{name: "exam", args: "-- CMD [ARG...]", summary: "put a reconnecting client, in any language, through the client checker's battery", help: examHelp, flags: examFlags},
	{name: "check", args: "FILE...", summary: "validate scenario files", help: checkHelp, flags: noFlags(runCheck)},
	{name: "version", summary: "print the version", help: versionHelp, flags: noFlags(runVersion)},
}

// command is one row of the table: a subcommand.
type command struct {
	name    string
	args    string // the arguments after the flags, for the usage line
	summary string
	help    string // what it does, flags aside, and examples
	// flags defines the command's flags on fs and returns what runs the
	// command once they are parsed.
	flags func(fs *flag.FlagSet) runFunc
}

// runFunc runs a command with its positional arguments and returns the
// exit code.
type runFunc func(ctx context.Context, env Env, args []string) int

// noFlags is the flags of a command that has none.
func noFlags(run runFunc) func(*flag.FlagSet) runFunc {
	return func(*flag.FlagSet) runFunc { return run }
}

func lookup(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

const overview = `wsdouble serves, records and checks WebSocket scenarios: scripts of what a
server does to each connection attempt (accept, refuse, hang, echo, send,
expect, close, drop, faults). Point any client, in any language, at a served
scenario and watch it survive attempt-by-attempt failures, or let exam put it
through the client checker's whole battery.

Usage:

  wsdouble <command> [flags] [arguments]

Commands:
`

const footer = `
Run "wsdouble <command> --help" for a command's flags and examples.
The script format: go doc github.com/wsdouble/wsdouble/scenario
`

func usage(w io.Writer) {
	io.WriteString(w, overview)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	io.WriteString(w, footer)
}

func commandNames() string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

func newFlagSet(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet("wsdouble "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported in one line by run
	return fs
}

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
