package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/format"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// GoSource returns Go code that builds s with the Builder: one expression,
// scenario.New(...)....Build(), formatted as gofmt formats it, which
// returns a script that Marshal writes exactly as it writes s, and a nil
// error. It is how a script found by a program (a recording, an explorer's
// shrunk schedule) becomes a regression test a person reads and edits.
//
// The expression names the packages scenario, and, where s needs them,
// time, wstest (faults, wstest.NoSubprotocol), wsdouble (binary messages,
// a typed Any) and encoding/json (a JSON value written with white space);
// their import paths are the usual ones, under github.com/wsdouble/wsdouble.
//
// Each step, rule and answer is written with the builder's own method
// where it has one (SendText, ExpectJSON, OnRegexp, ...); those it lacks
// are written with Step or Expect and the action's type: an echo with
// both a count and a duration, a broadcast given as JSON, an expectation
// of any message of one type, and JSON held with white space in it. Header
// names are written as http.Header.Add canonicalizes them.
//
// GoSource fails for a script that does not validate, and for one that
// holds what Go code cannot rebuild: a custom Matcher, or a rule's JSON
// reply written with white space.
func GoSource(s *Script) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("scenario: GoSource: %w", err)
	}
	g := &goCode{}
	g.call("scenario.New(%s)", goString(s.Name))
	g.line()
	if s.Description != "" {
		g.call("Describe(%s)", goString(s.Description))
		g.line()
	}
	if s.Client != (ClientID{}) {
		g.call("TellClientsApart(scenario.ClientID{%s})", goClientID(s.Client))
		g.line()
	}
	for i, a := range s.Attempts {
		if err := g.attempt(a); err != nil {
			return nil, fmt.Errorf("scenario: GoSource: attempt %d, %w", i+1, err)
		}
	}
	g.call("Build()")
	src, err := format.Source([]byte(g.text()))
	if err != nil {
		return nil, fmt.Errorf("scenario: GoSource: formatting: %w", err) // a bug of this file
	}
	return src, nil
}

// maxGoLine is the length under which an attempt, its answer, rules and
// steps, is written on one line, as the Builder's documentation writes
// scripts; a longer one gets a line per rule and per step.
const maxGoLine = 100

// goCode is Go code being written: a chain of the Builder's method calls,
// a line at a time.
type goCode struct {
	lines []string
	cur   []string // the calls of the line being written
}

// call adds a method call to the chain; format and args make its text.
func (g *goCode) call(format string, args ...any) {
	g.cur = append(g.cur, fmt.Sprintf(format, args...))
}

// line ends the line being written.
func (g *goCode) line() {
	if len(g.cur) > 0 {
		g.lines = append(g.lines, strings.Join(g.cur, ".")+".")
		g.cur = g.cur[:0]
	}
}

// text returns the code: the lines and the last calls.
func (g *goCode) text() string {
	return strings.Join(g.lines, "\n") + "\n" + strings.Join(g.cur, ".") + "\n"
}

// attempt writes an attempt: a line of its own if it fits, else a line for
// its answer and one per rule and per step.
func (g *goCode) attempt(a Attempt) error {
	g.call("Attempt()")
	if a.Label != "" {
		g.call("Label(%s)", goString(a.Label)) // before any step: the attempt's
	}
	if a.After != 0 {
		g.call("After(%s)", goDuration(a.After))
	}
	g.answer(a.Answer)
	if a.Clients != 0 {
		g.call("Clients(%d)", a.Clients)
	}
	head := len(g.cur)
	var parts [][]string // the calls of each rule and step
	for j, r := range a.Rules {
		if err := r.goCall(g); err != nil {
			return fmt.Errorf("rule %d: %w", j+1, err)
		}
		parts = append(parts, slices.Clone(g.cur[head:]))
		g.cur = g.cur[:head]
	}
	for j, st := range a.Steps {
		if err := st.Action.goCall(g); err != nil {
			return fmt.Errorf("step %d (%s): %w", j+1, st.Action.Name(), err)
		}
		if st.Label != "" {
			g.call("Label(%s)", goString(st.Label))
		}
		parts = append(parts, slices.Clone(g.cur[head:]))
		g.cur = g.cur[:head]
	}
	if a.Repeat {
		parts = append(parts, []string{"Repeat()"})
	}
	g.attemptLines(parts)
	return nil
}

// attemptLines writes the parts of an attempt after its answer: on the
// answer's line if the whole fits in maxGoLine, else a line each.
func (g *goCode) attemptLines(parts [][]string) {
	width := len(strings.Join(g.cur, "."))
	for _, p := range parts {
		width += 1 + len(strings.Join(p, "."))
	}
	if width <= maxGoLine {
		for _, p := range parts {
			g.cur = append(g.cur, p...)
		}
		g.line()
		return
	}
	g.line()
	for _, p := range parts {
		g.cur = append(g.cur, p...)
		g.line()
	}
}

// answer writes an attempt's answer and what refines it.
func (g *goCode) answer(ans Answer) {
	switch ans := ans.(type) {
	case Accept:
		g.call("Accept()")
		switch ans.Subprotocol {
		case "":
		case wstest.NoSubprotocol:
			g.call("Subprotocol(wstest.NoSubprotocol)")
		default:
			g.call("Subprotocol(%s)", goString(ans.Subprotocol))
		}
		if ans.Extensions != "" {
			g.call("Extensions(%s)", goString(ans.Extensions))
		}
		g.header(ans.Header)
	case Refuse:
		g.call("Refuse(%d)", ans.Status)
		g.header(ans.Header)
		if ans.Body != "" {
			g.call("Body(%s)", goString(ans.Body))
		}
	case Hang:
		g.call("Hang()")
	case Abort:
		g.call("Abort()")
	}
}

// header writes a header, its names sorted, each value a call.
func (g *goCode) header(h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			g.call("Header(%s, %s)", goString(k), goString(v))
		}
	}
}

// goCall writes the rule: its matcher's On method, then what refines it.
func (r Rule) goCall(g *goCode) error {
	kind, arg, err := goMatcher(r.On)
	switch {
	case err != nil:
		return err
	case kind == "Binary": // no OnBinary: the matcher's type
		g.call("On(scenario.Exact{Message: %s})", goMessage(r.On.(Exact).Message))
	case kind == "":
		g.call("On(%s)", arg)
	default:
		g.call("On%s(%s)", kind, arg)
	}
	if r.Label != "" {
		g.call("Label(%s)", goString(r.Label))
	}
	for i, rp := range r.Reply {
		switch {
		case !rp.JSON && rp.Message.Type == wsdouble.BinaryMessage:
			g.call("Reply(%s)", goMessage(rp.Message))
		case !rp.JSON:
			g.call("ReplyText(%s)", goString(string(rp.Message.Data)))
		case isCompactJSON(rp.Message.Data):
			g.call("ReplyJSON(%s)", goString(string(rp.Message.Data)))
		default:
			return fmt.Errorf("reply %d: JSON with white space: ReplyJSON would compact it", i+1)
		}
	}
	if r.Delay != 0 {
		g.call("Delay(%s)", goDuration(r.Delay))
	}
	if r.Times != 0 {
		g.call("Times(%d)", r.Times)
	}
	if r.PassOn {
		g.call("PassOn()")
	}
	switch t := r.Then.(type) {
	case Close:
		g.call("ThenClose(%d, %s)", t.Code, goString(t.Reason))
	case Drop:
		g.call("ThenDrop()")
	}
	return nil
}

// goMatcher returns how the builder names a matcher: the suffix of its
// Expect and On methods ("Text", "Binary", "Regexp", "JSON", "Any") and the
// method's argument, or, with no suffix, a value of the matcher's type for
// Expect and On. A matcher of another package has no Go code.
func goMatcher(m Matcher) (kind, arg string, err error) {
	switch m := m.(type) {
	case Exact:
		if m.Message.Type == wsdouble.BinaryMessage {
			return "Binary", goBytes(m.Message.Data), nil
		}
		return "Text", goString(string(m.Message.Data)), nil
	case *Regexp:
		return "Regexp", goString(m.Pattern), nil
	case JSON:
		if isCompactJSON(m.Value) {
			return "JSON", goString(string(m.Value)), nil
		}
		return "", fmt.Sprintf("scenario.JSON{Value: json.RawMessage(%s)}", goString(string(m.Value))), nil
	case Any:
		if m.Type == 0 {
			return "Any", "", nil
		}
		return "", fmt.Sprintf("scenario.Any{Type: %s}", goMessageType(m.Type)), nil
	}
	return "", "", fmt.Errorf("matcher %T has no Go code", m)
}

// goMessage writes a message as a wsdouble value.
func goMessage(m wsdouble.Message) string {
	if m.Type == wsdouble.BinaryMessage {
		return "wsdouble.Binary(" + goBytes(m.Data) + ")"
	}
	return "wsdouble.Text(" + goString(string(m.Data)) + ")"
}

func goMessageType(t wsdouble.MessageType) string {
	if t == wsdouble.BinaryMessage {
		return "wsdouble.BinaryMessage"
	}
	return "wsdouble.TextMessage"
}

// goBytes writes bytes as a conversion of a string literal, which holds
// any bytes exactly (strconv.Quote escapes those that are not UTF-8).
func goBytes(b []byte) string { return "[]byte(" + strconv.Quote(string(b)) + ")" }

// goString writes a string literal: raw (`...`) when that spares escaping
// quotes or backslashes, as JSON and regular expressions have, else
// quoted.
func goString(s string) string {
	if strings.ContainsAny(s, `"\`) && strconv.CanBackquote(s) {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

// goDuration writes a duration in the largest unit that holds it exactly:
// 2 * time.Second, time.Minute, 1500 * time.Millisecond.
func goDuration(d time.Duration) string {
	units := []struct {
		d    time.Duration
		name string
	}{{time.Hour, "time.Hour"}, {time.Minute, "time.Minute"}, {time.Second, "time.Second"},
		{time.Millisecond, "time.Millisecond"}, {time.Microsecond, "time.Microsecond"}}
	if d == 0 {
		return "0"
	}
	for _, u := range units {
		switch {
		case d == u.d:
			return u.name
		case d%u.d == 0:
			return strconv.FormatInt(int64(d/u.d), 10) + " * " + u.name
		}
	}
	return "time.Duration(" + strconv.FormatInt(int64(d), 10) + ")"
}

func goClientID(c ClientID) string {
	if c.Query != "" {
		return "Query: " + goString(c.Query)
	}
	return "Header: " + goString(c.Header)
}

// isCompactJSON reports whether b is valid JSON with no white space
// outside its strings: what MatchJSON, and the builder's JSON methods,
// keep unchanged.
func isCompactJSON(b []byte) bool {
	var buf bytes.Buffer
	return json.Compact(&buf, b) == nil && bytes.Equal(buf.Bytes(), b)
}
