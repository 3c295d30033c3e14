package main

import (
	"errors"
	"flag"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble/scenario"
)

// transcriptOptions are the flags of a command that writes a session down
// as a scenario (record, import-har): which secrets it leaves out, which
// pauses it keeps.
type transcriptOptions struct {
	unredacted     bool
	redact, fields []string // header names, JSON member names
	minWait        time.Duration
}

// transcriptFlags defines --unredacted, --redact, --redact-field and
// --min-wait on fs; minWaitUsage is --min-wait's usage.
func transcriptFlags(fs *flag.FlagSet, o *transcriptOptions, minWaitUsage string) {
	fs.BoolVar(&o.unredacted, "unredacted", false, "keep the values of secret headers (Authorization, Cookie, X-Api-Key, ...)")
	fs.Func("redact", "also redact this `header` (repeatable)", func(v string) error {
		if !validToken(v) {
			return errors.New("not a header name")
		}
		o.redact = append(o.redact, v)
		return nil
	})
	fs.Func("redact-field", "redact the JSON field `name` in messages, at any depth (repeatable)", func(v string) error {
		if v == "" {
			return errors.New("empty field name")
		}
		o.fields = append(o.fields, v)
		return nil
	})
	durationFlag(fs, &o.minWait, "min-wait", 0, true, minWaitUsage)
}

// validToken reports whether s is an HTTP token, as a header name is (RFC
// 9110 §5.6.2).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// recordOptions are the flags as options of scenario.NewProxy and
// scenario.FromHAR.
func (o *transcriptOptions) recordOptions() []scenario.RecordOption {
	opts := []scenario.RecordOption{scenario.MinWait(o.minWait)}
	if len(o.redact) > 0 {
		opts = append(opts, scenario.RedactHeaders(o.redact...))
	}
	if len(o.fields) > 0 {
		opts = append(opts, scenario.RedactFields(o.fields...))
	}
	if o.unredacted {
		opts = append(opts, scenario.Unredacted())
	}
	return opts
}
