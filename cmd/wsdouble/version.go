package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// versionHelp is version's help; it has no flags.
const versionHelp = "Version prints wsdouble's version, and the Go version and platform it was built for."

func runVersion(_ context.Context, env Env, args []string) int {
	if !exactly(env, "version", args, 0, "") {
		return ExitInvalid
	}
	fmt.Fprintf(env.Stdout, "wsdouble %s (%s, %s/%s)\n", version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return ExitOK
}

// version is the module's version, "(devel)" when built from a checkout.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
