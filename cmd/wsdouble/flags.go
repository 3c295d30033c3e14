package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Flags whose values are checked as they are parsed: a bad value is a
// usage error (exit 2) that says what is wrong, before anything starts.

// maxTimeScale bounds --time-scale: a larger factor would make the
// script's waits overflow time.Duration, or last for years.
const maxTimeScale = 1000

// scaleValue is --time-scale: a finite factor from 0 to maxTimeScale.
type scaleValue struct{ p *float64 }

func (v scaleValue) String() string {
	if v.p == nil {
		return ""
	}
	return strconv.FormatFloat(*v.p, 'g', -1, 64)
}

func (v scaleValue) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	var ne *strconv.NumError
	if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrSyntax) {
		return errors.New("not a number")
	}
	if err != nil || math.IsNaN(f) || f < 0 || f > maxTimeScale {
		return fmt.Errorf("want a number from 0 to %d", maxTimeScale)
	}
	*v.p = f
	return nil
}

// timeScaleFlag defines --time-scale on fs, 1 by default.
func timeScaleFlag(fs *flag.FlagSet, p *float64) {
	*p = 1
	fs.Var(scaleValue{p}, "time-scale", fmt.Sprintf("multiply the script's waits and fault durations by `f`, from 0 to %d (0.1: ten times faster; 0: no waits)", maxTimeScale))
}

// durationValue is a duration flag with a lower bound: positive (an expect
// that waits for nothing fails at once) or, with zero, not negative.
type durationValue struct {
	p    *time.Duration
	zero bool // 0 is allowed
}

func (v durationValue) String() string {
	if v.p == nil {
		return time.Duration(0).String() // the zero value, which help leaves out
	}
	return v.p.String()
}

func (v durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return errors.New(`not a duration: want a number and a unit, such as 10s, 1m30s or 500ms`)
	case d < 0 || d == 0 && !v.zero:
		if v.zero {
			return errors.New("negative: want 0 or more, such as 100ms")
		}
		return errors.New("want a positive duration, such as 10s (with 0, every wait would end at once)")
	}
	*v.p = d
	return nil
}

// durationFlag defines a duration flag on fs that must be positive, or,
// with zero, not negative.
func durationFlag(fs *flag.FlagSet, p *time.Duration, name string, def time.Duration, zero bool, usage string) {
	*p = def
	fs.Var(durationValue{p: p, zero: zero}, name, usage)
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
		rest := fs.Args()
		// Parse takes the "--" that ends the flags away: what follows it
		// is positional, however it looks ("exam -- node c.js --bug x").
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(positional, rest...), nil
		}
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// given reports whether the flag name was on the command line.
func given(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}
