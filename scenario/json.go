package scenario

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble/wstest"
)

// Version is the version of the file format this package reads and
// writes.
const Version = 1

// maxScriptSize bounds what Parse and Load read.
const maxScriptSize = 64 << 20

// ParseError is one problem in a script file, with where it is.
type ParseError struct {
	// File is the file's name when known (Load sets it).
	File string
	// Line and Column locate the problem, from 1; Column counts bytes.
	Line, Column int
	// Attempt and Step are the 1-based indexes of the attempt and step the
	// problem is in, or 0; Rule is the index of the attempt's rule, for a
	// problem in one.
	Attempt, Step, Rule int
	// Field is the path of the offending field within the attempt or step,
	// for example "close.code"; empty when it is the whole value.
	Field string
	// Err says what is wrong.
	Err error
}

// Error formats the problem as "file:line:col: attempt A, step S: field: what".
func (e *ParseError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File + ":")
	}
	fmt.Fprintf(&b, "%d:%d: ", e.Line, e.Column)
	if e.Attempt > 0 {
		fmt.Fprintf(&b, "attempt %d", e.Attempt)
		if e.Step > 0 {
			fmt.Fprintf(&b, ", step %d", e.Step)
		}
		if e.Rule > 0 {
			fmt.Fprintf(&b, ", rule %d", e.Rule)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns Err.
func (e *ParseError) Unwrap() error { return e.Err }

// Parse reads a script in the JSON file format (see the package
// documentation). It is strict: unknown fields, wrong types, invalid codes,
// negative durations and bad regular expressions are errors. It returns
// every problem it finds, each a *ParseError naming the line, column,
// attempt and step (use errors.As, or read the joined message).
//
// Parse reads at most 64 MiB: a larger script is an error. Its heap stays
// within about 20 times the script's size (TestParseHeap). A regexp longer
// than MaxRegexpSize is an error; the others are checked, and compiled
// when their step first plays.
func Parse(r io.Reader) (*Script, error) { return parseReader(r, maxScriptSize) }

// parseReader is Parse with a size limit, which tests make small.
func parseReader(r io.Reader, limit int64) (*Script, error) {
	src, err := readAtMost(r, limit)
	switch {
	case errors.Is(err, errTooLarge):
		return nil, fmt.Errorf("scenario: the script is larger than %s", sizeText(limit))
	case err != nil:
		return nil, fmt.Errorf("scenario: reading the script: %w", err)
	}
	return parse(src, "")
}

// errTooLarge is readAtMost's error for an input over its limit.
var errTooLarge = errors.New("too large")

// readAtMost reads r to its end, or fails with errTooLarge as soon as it
// has read more than limit bytes. When r says how much it holds (a file, a
// bytes.Reader), the buffer is made that size at once: growing it as
// io.ReadAll does leaves twice the script's size behind (TestParseHeap).
func readAtMost(r io.Reader, limit int64) ([]byte, error) {
	var size int64 = 512
	switch r := r.(type) {
	case interface{ Len() int }:
		size = int64(r.Len())
	case *os.File:
		if fi, err := r.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	}
	src := make([]byte, 0, min(size, limit)+1) // +1: the byte that shows EOF
	lr := io.LimitReader(r, limit+1)
	for {
		if len(src) == cap(src) {
			src = append(src, 0)[:len(src)] // grow, as io.ReadAll does
		}
		n, err := lr.Read(src[len(src):cap(src)])
		src = src[:len(src)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(src)) > limit {
		return nil, errTooLarge
	}
	return src, nil
}

// Load reads a script file, as Parse reads a script; its errors name the
// file. A file larger than Parse's 64 MiB is an error, found before it is
// read when the file system knows its size.
func Load(path string) (*Script, error) { return load(path, maxScriptSize) }

// load is Load with a size limit, which tests make small.
func load(path string, limit int64) (*Script, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	defer f.Close()
	tooLarge := func() error {
		return fmt.Errorf("scenario: %s: the script is larger than %s", path, sizeText(limit))
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > limit {
		return nil, tooLarge()
	}
	// A file that is not regular (a pipe, a device) or that grows as it is
	// read is bounded here.
	src, err := readAtMost(f, limit)
	switch {
	case errors.Is(err, errTooLarge):
		return nil, tooLarge()
	case err != nil:
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return parse(src, path)
}

// sizeText is n bytes in MiB when it is a whole number of them.
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// parse reads a script. A UTF-8 byte order mark at its start is skipped:
// RFC 8259 §8.1 lets a parser ignore one, and editors on Windows write it;
// positions count from after it, as editors show them. UTF-16, with or
// without a mark, is not JSON a script may be written in (RFC 8259 §8.1:
// UTF-8), and the error says so rather than pointing at a byte.
func parse(src []byte, file string) (*Script, error) {
	switch {
	case bytes.HasPrefix(src, []byte("\xef\xbb\xbf")):
		src = src[3:]
	case bytes.HasPrefix(src, []byte("\xfe\xff")), bytes.HasPrefix(src, []byte("\xff\xfe")),
		len(src) >= 2 && (src[0] == 0) != (src[1] == 0):
		d := &decoder{src: src, file: file}
		d.fail(0, "", errors.New("the script is UTF-16; save it as UTF-8 (RFC 8259 §8.1)"))
		return nil, errors.Join(d.errs...)
	}
	d := &decoder{src: src, file: file}
	p, err := newTreeParser(src)
	if err == nil {
		var s *Script
		s, err = d.script(p)
		if err == nil {
			d.checkRegexps()
			if len(d.errs) == 0 {
				// Everything Validate checks was checked above, with
				// positions; this is a safety net for the two to agree.
				if err := s.Validate(); err != nil {
					return nil, err
				}
				return s, nil
			}
		}
	}
	if err != nil { // a syntax error: it ends the reading
		var pe *posError
		if errors.As(err, &pe) {
			d.fail(pe.off, "", errors.New(pe.msg))
		} else {
			d.fail(0, "", err)
		}
	}
	d.sortErrors()
	return nil, errors.Join(d.errs...)
}

// decoder turns a parsed tree into a Script, collecting errors.
type decoder struct {
	src                 []byte
	file                string
	errs                []error
	attempt, step, rule int
	// regexps are the patterns read, checked once the tree is gone.
	regexps []pendingRegexp
}

// pendingRegexp is an expect's or a rule's regexp, to be checked, and
// where it is.
type pendingRegexp struct {
	r                        *Regexp
	off, attempt, step, rule int32
}

// checkRegexps checks the syntax of every regexp read. It runs once the
// trees are gone: checking a pattern leaves garbage of dozens of times its
// size, which the heap accommodates best when only the Script is alive
// (TestParseHeap).
func (d *decoder) checkRegexps() {
	for i, p := range d.regexps {
		d.regexps[i] = pendingRegexp{}
		if err := checkPattern(p.r.Pattern); err != nil {
			d.attempt, d.step, d.rule = int(p.attempt), int(p.step), int(p.rule)
			field := "expect.regexp"
			if p.rule > 0 {
				field = "on.regexp"
			}
			d.fail(int64(p.off), field, err)
		}
	}
	d.attempt, d.step, d.rule, d.regexps = 0, 0, 0, nil
}

// sortErrors puts the errors in the file's order: the decoder finds some
// out of it (a step's before its attempt's, regexps last).
func (d *decoder) sortErrors() {
	var located []*ParseError
	for _, err := range d.errs {
		if pe, ok := err.(*ParseError); ok {
			located = append(located, pe)
		}
	}
	slices.SortStableFunc(located, func(a, b *ParseError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	for i, pe := range located {
		d.errs[i] = pe // the others ("too many errors") come last
	}
}

const maxErrors = 20

func (d *decoder) fail(off int64, field string, err error) {
	if len(d.errs) == maxErrors {
		d.errs = append(d.errs, errors.New("too many errors"))
	}
	if len(d.errs) > maxErrors {
		return
	}
	line, col := lineCol(d.src, off)
	d.errs = append(d.errs, &ParseError{File: d.file, Line: line, Column: col,
		Attempt: d.attempt, Step: d.step, Rule: d.rule, Field: field, Err: err})
}

func (d *decoder) failf(n *node, field, format string, args ...any) {
	d.fail(int64(n.off), field, fmt.Errorf(format, args...))
}

// fields checks that n is an object whose keys are all among allowed.
func (d *decoder) fields(n *node, field string, allowed ...string) bool {
	if n.kind != '{' {
		d.failf(n, field, "got %s, want an object", n.kindName())
		return false
	}
	ok := true
	for _, m := range n.kids {
		if !slices.Contains(allowed, m.name) {
			d.fail(int64(m.off), join(field, m.name), fmt.Errorf("unknown field (allowed: %s)", strings.Join(allowed, ", ")))
			ok = false
		}
	}
	return ok
}

// objectField is a member an object may have, and where its value goes:
// into an *int, a *string or a *time.Duration, or to a function that
// decodes it and reports whether it was good.
type objectField struct {
	name string
	dst  any
}

// object decodes n, an object whose members are all among fields: each
// member present is decoded into its field's dst, in the order of fields.
// It reports whether every one was good.
func (d *decoder) object(n *node, field string, fields ...objectField) bool {
	names := make([]string, 0, 8)
	for _, f := range fields {
		names = append(names, f.name)
	}
	if !d.fields(n, field, names...) {
		return false
	}
	ok := true
	for _, f := range fields {
		if v := n.get(f.name); v != nil {
			ok = d.into(v, join(field, f.name), f.dst) && ok
		}
	}
	return ok
}

// into decodes v into dst, as object does.
func (d *decoder) into(v *node, field string, dst any) (ok bool) {
	switch dst := dst.(type) {
	case *int:
		*dst, ok = d.integer(v, field)
	case *string:
		*dst, ok = d.str(v, field)
	case *time.Duration:
		*dst, ok = d.duration(v, field)
	case func(v *node, field string) bool:
		ok = dst(v, field)
	default:
		panic(fmt.Sprintf("scenario: decoding into %T", dst))
	}
	return ok
}

func join(field, name string) string {
	if field == "" {
		return name
	}
	return field + "." + name
}

// str returns a string field's value, for the Script to keep: a copy, so
// that the Script does not hold the whole source it is a substring of.
func (d *decoder) str(n *node, field string) (string, bool) {
	s, ok := d.text(n, field)
	return strings.Clone(s), ok
}

// text returns a string field's value as it is in the parsed source, for
// a caller that converts it at once.
func (d *decoder) text(n *node, field string) (string, bool) {
	if n.kind != '"' {
		d.failf(n, field, "got %s, want a string", n.kindName())
		return "", false
	}
	return n.str, true
}

func (d *decoder) boolean(n *node, field string) (bool, bool) {
	if n.kind != 't' {
		d.failf(n, field, "got %s, want true or false", n.kindName())
		return false, false
	}
	return n.b, true
}

func (d *decoder) integer(n *node, field string) (int, bool) {
	if n.kind != '0' {
		d.failf(n, field, "got %s, want an integer", n.kindName())
		return 0, false
	}
	i, err := n.number().Int64()
	if err != nil || i < math.MinInt32 || i > math.MaxInt32 {
		d.failf(n, field, "%s is not an integer in range", n.str)
		return 0, false
	}
	return int(i), true
}

// uint decodes a non-negative integer of up to 64 bits.
func (d *decoder) uint(n *node, field string) (uint64, bool) {
	if n.kind != '0' {
		d.failf(n, field, "got %s, want an integer", n.kindName())
		return 0, false
	}
	u, err := strconv.ParseUint(n.str, 10, 64)
	if err != nil {
		d.failf(n, field, "%s is not an integer from 0 to %d", n.str, uint64(math.MaxUint64))
		return 0, false
	}
	return u, true
}

func (d *decoder) duration(n *node, field string) (time.Duration, bool) {
	if n.kind != '"' {
		d.failf(n, field, `got %s, want a duration string such as "2s" or "1m30s"`, n.kindName())
		return 0, false
	}
	v, err := time.ParseDuration(n.str)
	if err != nil {
		d.failf(n, field, "bad duration %q (want a string such as \"2s\" or \"1m30s\")", n.str)
		return 0, false
	}
	if v < 0 {
		d.failf(n, field, "negative duration %q", n.str)
		return 0, false
	}
	return v, true
}

// validHeaderName reports whether name can be an HTTP header name in a
// script: not empty, no white space, no colon.
func validHeaderName(name string) bool {
	return name != "" && !strings.ContainsAny(name, " \t\r\n:")
}

func (d *decoder) header(n *node, field string) (http.Header, bool) {
	if n.kind != '{' {
		d.failf(n, field, "got %s, want an object of header names to strings", n.kindName())
		return nil, false
	}
	h := http.Header{}
	for _, m := range n.kids {
		key := http.CanonicalHeaderKey(strings.Clone(m.name))
		if !validHeaderName(m.name) {
			d.fail(int64(m.off), field, fmt.Errorf("bad header name %q", m.name))
			continue
		}
		switch m.val.kind {
		case '"':
			h.Add(key, m.val.str)
		case '[':
			for _, e := range m.val.kids {
				if s, ok := d.str(e.val, join(field, m.name)); ok {
					h.Add(key, s)
				}
			}
		default:
			d.failf(m.val, join(field, m.name), "got %s, want a string or an array of strings", m.val.kindName())
		}
	}
	return h, true
}

// minAttemptBytes is the least an attempt takes of a script file: {"hang":{}}
// and a comma.
const minAttemptBytes = 12

// rootFields are the members of a script file's object.
var rootFields = []string{"version", "name", "description", "client", "attempts"}

// script reads the script from p and decodes it. The attempts, and each
// attempt's steps, are decoded as they are read and their trees dropped, so
// that a tree of the whole file never lives beside the Script
// (TestParseHeap); the other members are read as trees. It returns a
// syntax error, which ends the reading; other problems are collected.
func (d *decoder) script(p *treeParser) (*Script, error) {
	s := &Script{}
	p.space()
	if p.pos >= len(p.src) || p.src[p.pos] != '{' {
		n, err := p.value(0)
		if err != nil {
			return s, err
		}
		d.fields(n, "", rootFields...) // fails
		return s, p.finish()
	}
	var repeats []member // attempts that say "repeat", by index (name unused)
	root, err := p.streamed(0, "attempts", func(n int) {
		// Sized once: an Attempt is 104 bytes for the 12 of {"hang": {}},
		// and a slice grown as read, or copied out of chunks, is live
		// twice at its peak (TestParseHeap, many attempts: 13 times the
		// file, 7 sized). The guess is bounded by the file, an attempt
		// taking at least minAttemptBytes of it, so a file of commas
		// gets no larger slice.
		s.Attempts = make([]Attempt, 0, min(n, len(p.src)/minAttemptBytes+1))
	}, func(i int) error {
		d.attempt, d.step = i+1, 0
		a, repeat, err := d.attemptFrom(p)
		s.Attempts = append(s.Attempts, a)
		if repeat != nil {
			repeats = append(repeats, member{off: int32(i), val: repeat})
		}
		return err
	})
	d.attempt, d.step = 0, 0
	if len(s.Attempts) == 0 {
		s.Attempts = nil
	}
	if err == nil {
		err = p.finish()
	}
	if err == nil && d.fields(root, "", rootFields...) {
		d.root(root, s, repeats)
	}
	return s, err
}

// root decodes the members of a script's object but its attempts, which
// are decoded into s already, and checks the attempts as a whole.
func (d *decoder) root(root *node, s *Script, repeats []member) {
	if v := root.get("version"); v == nil {
		d.fail(int64(root.off), "version", fmt.Errorf("missing: the file must say \"version\": %d", Version))
	} else if n, ok := d.integer(v, "version"); ok && n != Version {
		d.failf(v, "version", "version %d is not supported (this wsdouble reads version %d)", n, Version)
	}
	if v := root.get("name"); v != nil {
		s.Name, _ = d.str(v, "name")
	}
	if v := root.get("description"); v != nil {
		s.Description, _ = d.str(v, "description")
	}
	if v := root.get("client"); v != nil {
		s.Client = decodeClientID(d, v)
	}
	switch v := root.get("attempts"); {
	case v == nil:
		d.fail(int64(root.off), "attempts", errors.New("missing"))
	case v.kind != '[':
		d.failf(v, "attempts", "got %s, want an array", v.kindName())
	case len(s.Attempts) == 0:
		d.failf(v, "attempts", "empty: a script answers at least one attempt")
	}
	for _, r := range repeats {
		if i := int(r.off); s.Attempts[i].Repeat && i != len(s.Attempts)-1 {
			d.attempt = i + 1
			d.failf(r.val, "repeat", "only the last attempt may repeat")
		}
	}
	d.attempt = 0
}

// attemptFrom reads an attempt from p and decodes it, decoding its steps
// as they are read. It returns the attempt's "repeat" node, if any.
func (d *decoder) attemptFrom(p *treeParser) (Attempt, *node, error) {
	var steps list[Step]
	n, err := p.streamed(2, "steps", nil, func(j int) error {
		d.step = j + 1
		v, err := p.value(4)
		if err != nil {
			return err
		}
		steps.push(d.stepScript(v))
		return nil
	})
	d.step = 0
	if err != nil {
		return Attempt{}, nil, err
	}
	return d.attemptScript(n, steps.all()), n.get("repeat"), nil
}

// attemptScript decodes an attempt; its steps, when n has an array of
// them, were decoded as they were read (attemptFrom).
func (d *decoder) attemptScript(n *node, steps []Step) Attempt {
	var a Attempt
	if !d.fields(n, "", "label", "after", "clients", "accept", "refuse", "hang", "abort", "rules", "steps", "repeat") {
		return a
	}
	if v := n.get("label"); v != nil {
		a.Label, _ = d.str(v, "label")
	}
	if v := n.get("after"); v != nil {
		a.After, _ = d.duration(v, "after")
	}
	if v := n.get("repeat"); v != nil {
		a.Repeat, _ = d.boolean(v, "repeat")
	}
	if v := n.get("clients"); v != nil {
		if c, ok := d.integer(v, "clients"); ok && (c < 1 || c > maxClients) {
			d.failf(v, "clients", "want a count from 1 to %d", maxClients)
		} else {
			a.Clients = c
		}
	}
	var answer string
	a.Answer, answer = d.answer(n)
	if v := n.get("rules"); v != nil {
		a.Rules = d.rules(v, a.Answer, answer)
	}
	if v := n.get("steps"); v != nil {
		if v.kind != '[' {
			d.failf(v, "steps", "got %s, want an array", v.kindName())
			return a
		}
		if _, ok := a.Answer.(Accept); !ok && answer != "" {
			d.failf(v, "steps", "steps need an accepted connection, but the answer is %s", answer)
		}
		a.Steps = steps
	}
	return a
}

// rules decodes an attempt's rules, v; ans is the attempt's answer, name
// its name ("" when it has none or several).
func (d *decoder) rules(v *node, ans Answer, name string) []Rule {
	if v.kind != '[' {
		d.failf(v, "rules", "got %s, want an array", v.kindName())
		return nil
	}
	if _, ok := ans.(Accept); !ok && name != "" {
		d.failf(v, "rules", "rules need an accepted connection, but the answer is %s", name)
	}
	rules := make([]Rule, 0, len(v.kids))
	for j, m := range v.kids {
		d.rule = j + 1
		if r, ok := decodeRule(d, m.val); ok {
			rules = append(rules, r)
		}
	}
	d.rule = 0
	return rules
}

// answer decodes an attempt's answer, and checks that it has exactly one;
// name is its name then.
func (d *decoder) answer(n *node) (ans Answer, name string) {
	var names []string
	for _, m := range n.kids {
		decode := answerDecoders[m.name]
		if decode == nil {
			continue
		}
		names = append(names, m.name)
		if a, ok := decode(d, m.val); ok {
			ans = a
		}
	}
	switch len(names) {
	case 0:
		d.failf(n, "", `no answer: an attempt needs one of "accept", "refuse", "hang" or "abort"`)
	case 1:
		return ans, names[0]
	default:
		d.failf(n, "", "%d answers (%s): an attempt has exactly one", len(names), strings.Join(names, ", "))
	}
	return ans, ""
}

// answerDecoders decode an attempt's answer, by its name; each reports
// whether its fields are known (the answer holds, if some are bad).
var answerDecoders = map[string]func(d *decoder, n *node) (Answer, bool){
	"accept": decodeAccept,
	"refuse": decodeRefuse,
	"hang":   func(d *decoder, n *node) (Answer, bool) { return Hang{}, d.fields(n, "hang") },
	"abort":  func(d *decoder, n *node) (Answer, bool) { return Abort{}, d.fields(n, "abort") },
}

func decodeAccept(d *decoder, n *node) (Answer, bool) {
	if !d.fields(n, "accept", "subprotocol", "headers", "extensions") {
		return nil, false
	}
	var acc Accept
	if v := n.get("subprotocol"); v != nil {
		// "" is explicitly none: a browser that offered some fails the
		// connection (Fetch).
		if acc.Subprotocol, _ = d.str(v, "accept.subprotocol"); acc.Subprotocol == "" {
			acc.Subprotocol = wstest.NoSubprotocol
		}
	}
	if v := n.get("headers"); v != nil {
		acc.Header, _ = d.header(v, "accept.headers")
	}
	if v := n.get("extensions"); v != nil {
		acc.Extensions, _ = d.str(v, "accept.extensions")
	}
	if acc.Subprotocol == "" && acc.Header == nil && acc.Extensions == "" {
		return plainAccept, true
	}
	return acc, true
}

// plainAccept is the answer of {"accept": {}}, made once: an Answer holds
// an Accept on the heap, and a script of many attempts made as many
// (TestParseHeap, many attempts: the live heap 10.0 times the script's
// size with a copy each, 7 with this one). An Answer's value is never
// changed in place, only replaced.
var plainAccept Answer = Accept{}

func decodeRefuse(d *decoder, n *node) (Answer, bool) {
	if !d.fields(n, "refuse", "status", "headers", "body") {
		return nil, false
	}
	var ref Refuse
	if v := n.get("status"); v == nil {
		d.failf(n, "refuse.status", "missing")
	} else if st, ok := d.integer(v, "refuse.status"); ok {
		if st < 200 || st > 599 {
			d.failf(v, "refuse.status", "%d is not a final HTTP status other than 101 (200-599)", st)
		}
		ref.Status = st
	}
	if v := n.get("headers"); v != nil {
		ref.Header, _ = d.header(v, "refuse.headers")
	}
	if v := n.get("body"); v != nil {
		ref.Body, _ = d.str(v, "refuse.body")
	}
	return ref, true
}

func (d *decoder) stepScript(n *node) Step {
	var st Step
	if n.kind != '{' {
		d.failf(n, "", "got %s, want an object such as {\"send\": {\"text\": \"hi\"}}", n.kindName())
		return st
	}
	var kinds []member
	for _, m := range n.kids {
		switch {
		case m.name == "label":
			st.Label, _ = d.str(m.val, "label")
		case actionDecoders[m.name] != nil:
			kinds = append(kinds, m)
		default:
			d.fail(int64(m.off), m.name, fmt.Errorf("unknown field (a step has one of: %s; and a label)", strings.Join(actionNames(), ", ")))
		}
	}
	switch len(kinds) {
	case 0:
		d.failf(n, "", "no action (one of: %s)", strings.Join(actionNames(), ", "))
		return st
	case 1:
	default:
		d.failf(n, "", "%d actions (%s, %s): a step has exactly one", len(kinds), kinds[0].name, kinds[1].name)
		return st
	}
	m := kinds[0]
	act, ok := actionDecoders[m.name](d, m.val, m.name)
	if !ok {
		return st
	}
	if err := act.validate(); err != nil {
		d.fail(int64(m.val.off), m.name, err)
	}
	st.Action = act
	return st
}

// exactlyOne returns the one member of n among names, or fails.
func (d *decoder) exactlyOne(n *node, field string, names ...string) (member, bool) {
	var found []member
	for _, m := range n.kids {
		if slices.Contains(names, m.name) {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		d.failf(n, field, "want exactly one of %s, got %d", strings.Join(names, ", "), len(found))
		return member{}, false
	}
	return found[0], true
}

// Marshal writes s in the JSON file format, indented, fields in a fixed
// order, so that Parse(Marshal(s)) gives s back. It fails for a script that
// does not validate or that uses a matcher or action this package cannot
// write.
func Marshal(s *Script) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	w := &jsonWriter{buf: &b}
	w.open('{')
	w.key("version")
	w.value(Version)
	if s.Name != "" {
		w.key("name")
		w.value(s.Name)
	}
	if s.Description != "" {
		w.key("description")
		w.value(s.Description)
	}
	if s.Client != (ClientID{}) {
		w.key("client")
		if s.Client.Query != "" {
			w.raw(inlineObject("query", s.Client.Query))
		} else {
			w.raw(inlineObject("header", s.Client.Header))
		}
	}
	w.key("attempts")
	w.open('[')
	for i, a := range s.Attempts {
		w.elem()
		if err := writeAttempt(w, a); err != nil {
			return nil, fmt.Errorf("scenario: Marshal: attempt %d: %w", i+1, err)
		}
	}
	w.close(']')
	w.close('}')
	b.WriteByte('\n')
	return b.Bytes(), nil
}

func writeAttempt(w *jsonWriter, a Attempt) error {
	w.open('{')
	if a.Label != "" {
		w.key("label")
		w.value(a.Label)
	}
	if a.After != 0 {
		w.key("after")
		w.value(a.After.String())
	}
	if a.Clients != 0 {
		w.key("clients")
		w.value(a.Clients)
	}
	w.key(a.Answer.answer())
	switch ans := a.Answer.(type) {
	case Accept:
		w.open('{')
		switch ans.Subprotocol {
		case "":
		case wstest.NoSubprotocol:
			w.key("subprotocol")
			w.value("")
		default:
			w.key("subprotocol")
			w.value(ans.Subprotocol)
		}
		writeHeader(w, ans.Header)
		if ans.Extensions != "" {
			w.key("extensions")
			w.value(ans.Extensions)
		}
		w.close('}')
	case Refuse:
		w.open('{')
		w.key("status")
		w.value(ans.Status)
		writeHeader(w, ans.Header)
		if ans.Body != "" {
			w.key("body")
			w.value(ans.Body)
		}
		w.close('}')
	case Hang, Abort:
		w.open('{')
		w.close('}')
	}
	if err := writeRules(w, a.Rules); err != nil {
		return err
	}
	if err := writeSteps(w, a.Steps); err != nil {
		return err
	}
	if a.Repeat {
		w.key("repeat")
		w.value(true)
	}
	w.close('}')
	return nil
}

// writeSteps writes an attempt's steps, each on one line.
func writeSteps(w *jsonWriter, steps []Step) error {
	if len(steps) == 0 {
		return nil
	}
	w.key("steps")
	w.open('[')
	for j, st := range steps {
		w.elem()
		v, err := st.Action.encode()
		if err != nil {
			return fmt.Errorf("step %d (%s): %w", j+1, st.Action.Name(), err)
		}
		// A step is written on one line.
		line := &jsonWriter{buf: w.buf, inline: true}
		line.open('{')
		line.key(st.Action.Name())
		line.raw(v)
		if st.Label != "" {
			line.key("label")
			line.value(st.Label)
		}
		line.close('}')
	}
	w.close(']')
	return nil
}

// writeRules writes an attempt's rules, each on one line.
func writeRules(w *jsonWriter, rules []Rule) error {
	if len(rules) == 0 {
		return nil
	}
	w.key("rules")
	w.open('[')
	for j, r := range rules {
		w.elem()
		v, err := r.encode()
		if err != nil {
			return fmt.Errorf("rule %d: %w", j+1, err)
		}
		w.raw(v)
	}
	w.close(']')
	return nil
}

func writeHeader(w *jsonWriter, h http.Header) {
	if len(h) == 0 {
		return
	}
	w.key("headers")
	w.open('{')
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		w.key(k)
		if vs := h[k]; len(vs) == 1 {
			w.value(vs[0])
		} else {
			w.value(vs)
		}
	}
	w.close('}')
}

// inlineObject writes an object on one line, keys in the order given.
func inlineObject(kv ...any) json.RawMessage {
	var b bytes.Buffer
	w := &jsonWriter{buf: &b, inline: true}
	w.open('{')
	for i := 0; i < len(kv); i += 2 {
		w.key(kv[i].(string))
		if raw, ok := kv[i+1].(json.RawMessage); ok {
			w.raw(raw)
		} else {
			w.value(kv[i+1])
		}
	}
	w.close('}')
	return b.Bytes()
}

// marshalValue encodes v without escaping <, > and &.
func marshalValue(v any) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// jsonWriter writes JSON with keys in the order given, indented by two
// spaces, or inline: on one line, with a space after each colon and comma.
type jsonWriter struct {
	buf    *bytes.Buffer
	inline bool
	depth  int
	first  []bool // per open container: no element written yet
}

func (w *jsonWriter) newline() {
	if w.inline {
		return
	}
	w.buf.WriteByte('\n')
	w.buf.WriteString(strings.Repeat("  ", w.depth))
}

func (w *jsonWriter) open(c byte) {
	w.buf.WriteByte(c)
	w.depth++
	w.first = append(w.first, true)
}

func (w *jsonWriter) close(c byte) {
	w.depth--
	empty := w.first[len(w.first)-1]
	w.first = w.first[:len(w.first)-1]
	if !empty {
		w.newline()
	}
	w.buf.WriteByte(c)
}

// elem starts an element of the innermost container.
func (w *jsonWriter) elem() {
	if !w.first[len(w.first)-1] {
		w.buf.WriteByte(',')
		if w.inline {
			w.buf.WriteByte(' ')
		}
	}
	w.first[len(w.first)-1] = false
	w.newline()
}

func (w *jsonWriter) key(k string) {
	w.elem()
	w.buf.Write(marshalValue(k))
	w.buf.WriteString(": ")
}

func (w *jsonWriter) value(v any) { w.buf.Write(marshalValue(v)) }

func (w *jsonWriter) raw(r json.RawMessage) { w.buf.Write(r) }
