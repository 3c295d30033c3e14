package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// printer writes the live timeline: lines for people, or one JSON object
// per line.
type printer struct {
	w     io.Writer
	json  bool
	color bool
	start time.Time

	mu   sync.Mutex
	pass int
}

// ANSI colours, used only on a terminal.
const (
	reset  = "\x1b[0m"
	bold   = "\x1b[1m"
	dim    = "\x1b[2m"
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	cyan   = "\x1b[36m"
)

func (p *printer) paint(c, s string) string {
	if !p.color || s == "" {
		return s
	}
	return c + s + reset
}

// jsonEvent is one line of --json output.
type jsonEvent struct {
	Time    string  `json:"time"`
	At      float64 `json:"at"` // seconds since serve started
	Event   string  `json:"event"`
	Pass    int     `json:"pass,omitempty"`
	Attempt int     `json:"attempt,omitempty"`
	N       int     `json:"n,omitempty"`
	Label   string  `json:"label,omitempty"`

	URL    string `json:"url,omitempty"`
	Script string `json:"script,omitempty"`
	Answer string `json:"answer,omitempty"`
	// Origin is the Origin of a handshake refused for it.
	Origin string `json:"origin,omitempty"`

	Step    int          `json:"step,omitempty"`
	Action  string       `json:"action,omitempty"`
	Detail  string       `json:"detail,omitempty"`
	Message *jsonMessage `json:"message,omitempty"`
	OK      *bool        `json:"ok,omitempty"`
	// Stopped: the run was stopped while the step ran (Ctrl-C, --timeout).
	Stopped bool   `json:"stopped,omitempty"`
	Error   string `json:"error,omitempty"`

	End *jsonEnd `json:"end,omitempty"`

	Summary *summary `json:"summary,omitempty"`
}

// jsonMessage is a message of the timeline: its type, its size and at
// most the first scenario.MaxReportPayload bytes of its payload (a text
// cut at a character boundary), so that a flood of large messages cannot
// make the timeline as large as the flood.
type jsonMessage struct {
	Type string `json:"type"`
	Text string `json:"text,omitempty"`
	// Binary is base64, as in the script format.
	Binary []byte `json:"binary,omitempty"`
	// Size is the payload's size in bytes; Truncated says that Text or
	// Binary holds only its start.
	Size      int  `json:"size"`
	Truncated bool `json:"truncated,omitempty"`
}

type jsonEnd struct {
	Kind   string `json:"kind"`
	Code   int    `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
	Clean  bool   `json:"clean"`
	Fault  string `json:"fault,omitempty"`
	Text   string `json:"text"`
}

func (p *printer) emit(ev jsonEvent, line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.json {
		ev.Time = now.UTC().Format(time.RFC3339Nano)
		ev.At = now.Sub(p.start).Seconds()
		if ev.Pass == 0 && ev.Event != "listening" && ev.Event != "summary" {
			ev.Pass = p.pass
		}
		b, _ := json.Marshal(ev)
		p.w.Write(append(b, '\n'))
		return
	}
	stamp := fmt.Sprintf("%9.3fs", now.Sub(p.start).Seconds())
	fmt.Fprintf(p.w, "%s  %s\n", p.paint(dim, stamp), line)
}

func (p *printer) listening(url string, s *scenario.Script, once bool) {
	if p.json {
		p.emit(jsonEvent{Event: "listening", URL: url, Script: s.Name}, "")
		return
	}
	p.mu.Lock()
	desc := ""
	if s.Description != "" {
		desc = "\n" + wrap(s.Description, 76, "  ")
	}
	stop := "Ctrl-C to stop"
	if once {
		stop = "plays the script once (--once); Ctrl-C to stop"
	}
	fmt.Fprintf(p.w, "wsdouble: serving scenario %s (%s) at %s%s\n  %s\n\n",
		p.paint(bold, fmt.Sprintf("%q", s.Name)), plural(len(s.Attempts), "attempt", "attempts"), p.paint(bold, url), desc, stop)
	p.mu.Unlock()
}

func (p *printer) newPass(n int) {
	p.mu.Lock()
	p.pass = n
	p.mu.Unlock()
	if n > 1 {
		p.emit(jsonEvent{Event: "pass"}, p.paint(dim, fmt.Sprintf("── the script starts over (pass %d) ──", n)))
	}
}

func (p *printer) progress(pr scenario.Progress) {
	head := fmt.Sprintf("#%-3d attempt %d", pr.N, pr.Attempt)
	ev := jsonEvent{Event: string(pr.Kind), Attempt: pr.Attempt, N: pr.N, Label: pr.Label}
	label := ""
	if pr.Label != "" {
		label = " " + p.paint(dim, fmt.Sprintf("%q", pr.Label))
	}
	switch pr.Kind {
	case scenario.AttemptArrived:
		p.emit(ev, head+label+" arrived")
	case scenario.AttemptAnswered:
		ev.Answer = pr.Answer
		c := green
		switch {
		case strings.HasPrefix(pr.Answer, "refused"):
			c = yellow
		case pr.Answer == "aborted", pr.Answer == "hung":
			c = red
		}
		p.emit(ev, head+label+": "+p.paint(c, pr.Answer))
	case scenario.StepDone:
		e := pr.Entry
		ev.Step, ev.Action, ev.Detail = e.Step, e.Action, e.Detail
		if e.Message != nil {
			ev.Message = messageJSON(*e.Message, e.Size)
		}
		if e.Err != nil {
			ev.Error = e.Err.Error()
		}
		ev.Stopped = e.Stopped
		if e.Checks() && !e.Stopped {
			ok := e.Err == nil
			ev.OK = &ok
		}
		p.emit(ev, head+": "+e.Format(p.style))
	case scenario.ConnectionEnded:
		end := *pr.End
		if end.Kind == wstest.NotEnded {
			ev.End = &jsonEnd{Kind: "abandoned", Text: "the client gave up"}
			p.emit(ev, head+": "+p.paint(yellow, "the client gave up"))
			return
		}
		text := endText(end)
		ev.End = &jsonEnd{Kind: end.Kind.String(), Code: end.Code, Reason: end.Reason, Clean: end.Clean, Fault: end.Fault, Text: text}
		c := red
		if end.Clean {
			c = green
		}
		p.emit(ev, head+": end: "+p.paint(c, text))
	}
}

// refusedOrigin reports a handshake the origin check refused. The server
// answered it 403 and logged it under its number, but the script never saw
// it: it has no attempt of the script.
func (p *printer) refusedOrigin(r *http.Request, origin, hint string) {
	n, _ := wstest.AttemptNumber(r)
	ev := jsonEvent{Event: "refused", N: n, URL: r.URL.RequestURI(), Origin: origin, Answer: "refused 403", Detail: "origin not allowed"}
	line := fmt.Sprintf("#%-3d handshake for %s from origin %q: %s", n, r.URL.RequestURI(), origin, p.paint(yellow, "refused 403, origin not allowed"))
	if hint != "" {
		line += p.paint(dim, " (--origin "+hint+" admits it)")
	}
	p.emit(ev, line)
}

// endText describes an end without the transport's error text.
func endText(e wstest.End) string {
	e.Err = nil
	return e.String()
}

// style paints the parts of a timeline line (scenario.Entry.Format), as
// the live view colours them.
func (p *printer) style(part scenario.Part, text string) string {
	switch part {
	case scenario.PartOutgoing:
		return p.paint(cyan, text)
	case scenario.PartNote, scenario.PartLabel:
		return p.paint(dim, text)
	case scenario.PartMismatch, scenario.PartFailure:
		return p.paint(red, text)
	case scenario.PartStopped:
		return p.paint(yellow, text)
	case scenario.PartHeld:
		return p.paint(green, text)
	}
	return text
}

// messageJSON is an entry's message, whose Data the report has cut to
// at most scenario.MaxReportPayload bytes of size.
func messageJSON(m wsdouble.Message, size int) *jsonMessage {
	j := &jsonMessage{Type: "binary", Binary: m.Data, Size: size, Truncated: size > len(m.Data)}
	if m.Type == wsdouble.TextMessage {
		j.Type, j.Text, j.Binary = "text", string(m.Data), nil
	}
	return j
}

func (p *printer) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.emit(jsonEvent{Event: "note", Detail: msg}, p.paint(dim, msg))
}

// summary is what serve prints when it stops.
type summary struct {
	Passes     int            `json:"passes"`
	Attempts   int            `json:"attempts"`
	Answers    map[string]int `json:"answers"`
	Ends       map[string]int `json:"ends"`
	Mismatches []string       `json:"mismatches"`
	// UnlistedMismatches counts the mismatches beyond the first
	// scenario.MaxReportMismatches, which are not listed.
	UnlistedMismatches int `json:"mismatches_not_listed,omitempty"`
	// OriginsRefused counts the handshakes refused for their Origin,
	// which no pass saw.
	OriginsRefused int  `json:"origins_refused,omitempty"`
	Complete       bool `json:"complete"`
	// Timeout is --timeout when it passed before the script was done.
	Timeout string `json:"timeout,omitempty"`
	// Pending is what the last pass was still waiting for when it was
	// stopped (by --timeout or Ctrl-C).
	Pending []string `json:"pending,omitempty"`
	OK      bool     `json:"ok"`
}

func (p *printer) summary(s summary) {
	if p.json {
		p.emit(jsonEvent{Event: "summary", Summary: &s}, "")
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s %s, %s", p.paint(bold, "summary:"), plural(s.Passes, "pass", "passes"), plural(s.Attempts, "attempt", "attempts"))
	if len(s.Answers) > 0 {
		b.WriteString(": " + counts(s.Answers))
	}
	b.WriteString("\n")
	if len(s.Ends) > 0 {
		fmt.Fprintf(&b, "  connections ended: %s\n", counts(s.Ends))
	}
	if s.OriginsRefused > 0 {
		fmt.Fprintf(&b, "  %s (see --origin)\n", plural(s.OriginsRefused, "handshake refused for its origin", "handshakes refused for their origin"))
	}
	if s.Timeout != "" {
		fmt.Fprintf(&b, "  %s\n", p.paint(red, "--timeout "+s.Timeout+" passed before the script was done"))
	}
	if !s.Complete {
		b.WriteString("  the last pass was stopped before the script was complete\n")
	}
	if len(s.Pending) > 0 {
		b.WriteString("  it was still waiting for:\n")
		for _, w := range s.Pending {
			b.WriteString("    " + w + "\n")
		}
	}
	if len(s.Mismatches) == 0 {
		b.WriteString("  " + p.paint(green, "every expectation held") + "\n")
	} else {
		fmt.Fprintf(&b, "  %s\n", p.paint(red, fmt.Sprintf("%d unmet expectations:", len(s.Mismatches)+s.UnlistedMismatches)))
		for _, m := range s.Mismatches {
			b.WriteString("    " + m + "\n")
		}
		if s.UnlistedMismatches > 0 {
			fmt.Fprintf(&b, "    … %d more, not listed\n", s.UnlistedMismatches)
		}
	}
	io.WriteString(p.w, b.String())
}

// counts formats {"accepted": 3, "refused 503": 1} in a stable order.
func counts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func wrap(text string, width int, indent string) string {
	var lines []string
	line := indent
	for _, w := range strings.Fields(text) {
		if len(line)+len(w)+1 > width && strings.TrimSpace(line) != "" {
			lines = append(lines, line)
			line = indent
		}
		if strings.TrimSpace(line) != "" {
			line += " "
		}
		line += w
	}
	if strings.TrimSpace(line) != "" {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}
