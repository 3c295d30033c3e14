package main

import (
	"io"
	"strings"
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
