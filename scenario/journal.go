package scenario

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// A journal is the record of a Proxy's recording kept as it goes, so that
// a recording that never ends well (the process killed, the machine down)
// can still become a script: see ProxyJournal and RecoverJournal.
//
// It is JSON Lines: one JSON object per line, each written whole with one
// Write as the recording goes, so that a process killed at any moment
// leaves every line it wrote but perhaps the last. The first line names
// the format and the recording:
//
//	{"wsdouble_journal": 1, "name": "recording", "started": "2025-01-02T15:04:05.123Z"}
//
// Each further line is about one attempt, N counting from 1 in the order
// the attempts came:
//
//	{"attempt": N}                    the attempt came; the upstream has not answered
//	{"attempt": N, "answer": SCRIPT}  the upstream's answer: SCRIPT's one attempt gives
//	                                  the label, "after" and answer
//	{"attempt": N, "steps": SCRIPT}   steps that happened: SCRIPT's one attempt (accepted,
//	                                  its answer is not the recording's) holds them
//	{"attempt": N, "end": true}       the connection ended: nothing more comes for N
//
// SCRIPT is a script in the file format (see the package documentation),
// on one line, redacted as the recording is: the journal holds no more
// secrets than the script would. Lines for different attempts interleave.
// After each "end" line, the journal is synced to its disk when its writer
// has a Sync method (an *os.File).

// journalVersion is the version of the journal's format.
const journalVersion = 1

// maxJournalSize bounds what RecoverJournal reads.
const maxJournalSize = 256 << 20

// ErrNotJournal is RecoverJournal's error for an input that does not
// start as a journal does.
var ErrNotJournal = errors.New("not a wsdouble journal")

// journalHeader is the first line of a journal.
type journalHeader struct {
	Journal int    `json:"wsdouble_journal"`
	Name    string `json:"name"`
	Started string `json:"started"`
}

// journalRecord is every other line.
type journalRecord struct {
	Attempt int             `json:"attempt"`
	Answer  json.RawMessage `json:"answer,omitempty"`
	Steps   json.RawMessage `json:"steps,omitempty"`
	End     bool            `json:"end,omitempty"`
}

// journal writes a Proxy's journal.
type journal struct {
	cfg recordConfig

	mu  sync.Mutex
	w   io.Writer
	err error // the first error; nothing is written after it
}

type proxyJournal struct {
	w    io.Writer
	name string
}

func (o proxyJournal) applyProxy(p *Proxy) {
	p.journalTo, p.journalName = o.w, o.name
}

// ProxyJournal makes a Proxy keep a journal of its recording in w as it
// goes, for a script named name: each attempt as it comes, the upstream's
// answer, every step (a message either way, a pause, the end), each as it
// happens. After a crash, RecoverJournal turns what w holds into the
// script Script would have returned then. The journal is redacted as the
// recording is (headers, RedactFields, then BeforeSave hooks, which see
// each line's script: a script of one attempt, with some of its steps).
// Errors writing it end the journal, not the recording: see JournalErr.
func ProxyJournal(w io.Writer, name string) ProxyOption {
	return proxyJournal{w: w, name: name}
}

// start writes the journal's first line.
func (j *journal) start(name string, at time.Time) {
	b, _ := json.Marshal(journalHeader{Journal: journalVersion, Name: name, Started: at.UTC().Format(time.RFC3339Nano)})
	j.line(b, true)
}

// attempt writes a record about attempt n: a part of it (its answer, or
// steps) when part is not nil.
func (j *journal) attempt(n int, kind string, part *Attempt) {
	if j == nil {
		return
	}
	rec := journalRecord{Attempt: n, End: kind == "end"}
	if part != nil {
		s, err := j.cfg.finish(&Script{Attempts: []Attempt{*part}})
		if err == nil && len(s.Attempts) != 1 {
			err = fmt.Errorf("a BeforeSave hook left %d attempts in the journal's script of one", len(s.Attempts))
		}
		var b []byte
		if err == nil {
			s.Description = "" // the redaction note is the recovered script's
			b, err = Marshal(s)
		}
		var buf bytes.Buffer
		if err == nil {
			err = json.Compact(&buf, b)
		}
		if err != nil {
			j.fail(fmt.Errorf("attempt %d: %w", n, err))
			return
		}
		switch kind {
		case "answer":
			rec.Answer = buf.Bytes()
		default:
			rec.Steps = buf.Bytes()
		}
	}
	b, err := json.Marshal(rec)
	if err != nil {
		j.fail(err)
		return
	}
	j.line(b, rec.End)
}

func (j *journal) fail(err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err == nil {
		j.err = err
	}
}

// line writes b and a newline in one Write, and syncs after it if asked.
func (j *journal) line(b []byte, sync bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return
	}
	if _, err := j.w.Write(append(b, '\n')); err != nil {
		j.err = err
		return
	}
	if s, ok := j.w.(interface{ Sync() error }); ok && sync {
		if err := s.Sync(); err != nil {
			j.err = err
		}
	}
}

// error returns the first error.
func (j *journal) error() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return fmt.Errorf("scenario: Proxy journal: %w", j.err)
	}
	return nil
}

// RecoverJournal reads a journal (see ProxyJournal) and returns the script
// it records: one attempt per attempt the journal saw, with the answer and
// the steps it holds. An attempt the upstream had not answered is a Hang,
// and one whose connection had not ended says so in its label; the
// script's description says it was recovered. A last line cut short (the
// process died while writing it) is left out; any other bad line is an
// error that names it. An input that does not start with a journal's
// first line fails with ErrNotJournal. RecoverJournal reads at most
// 256 MiB.
func RecoverJournal(r io.Reader) (*Script, error) {
	jr := &journalReader{br: bufio.NewReader(io.LimitReader(r, maxJournalSize+1))}
	s, err := jr.script()
	if err != nil {
		return nil, fmt.Errorf("scenario: RecoverJournal: %w", err)
	}
	return s, nil
}

// journalReader reads a journal, line by line, into the attempts it
// records.
type journalReader struct {
	br       *bufio.Reader
	read     int64 // bytes read, at most maxJournalSize
	line     int   // the number of the line read last, from 1
	attempts []*recoveredAttempt
	cut      bool // the last line was cut short
}

// recoveredAttempt is an attempt as a journal records it.
type recoveredAttempt struct {
	a        Attempt
	answered bool // its answer's line was read
	ended    bool // its end's line was read
}

// script reads the journal and returns the script it records.
func (jr *journalReader) script() (*Script, error) {
	h, err := jr.header()
	if err != nil {
		return nil, err
	}
	for {
		b, whole, err := jr.next()
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", jr.line, err)
		}
		if !whole {
			jr.cut = len(bytes.TrimSpace(b)) > 0
			break
		}
		if err := jr.record(b); err != nil {
			return nil, err
		}
	}
	return jr.recovered(h)
}

// next reads the next line: whole is false for a last line without its
// newline (cut short, or empty at the end).
func (jr *journalReader) next() (b []byte, whole bool, err error) {
	jr.line++
	b, err = jr.br.ReadBytes('\n')
	jr.read += int64(len(b))
	switch {
	case jr.read > maxJournalSize:
		return nil, false, fmt.Errorf("the journal is larger than %s", sizeText(maxJournalSize))
	case err == io.EOF:
		return b, false, nil
	case err != nil:
		return nil, false, err
	}
	return b, true, nil
}

// header reads the journal's first line.
func (jr *journalReader) header() (journalHeader, error) {
	var h journalHeader
	first, whole, err := jr.next()
	switch {
	case err != nil:
		return h, err
	case !whole || json.Unmarshal(first, &h) != nil || h.Journal == 0:
		return h, ErrNotJournal
	case h.Journal != journalVersion:
		return h, fmt.Errorf("journal version %d, want %d", h.Journal, journalVersion)
	}
	return h, nil
}

// record reads the line b, a record about an attempt.
func (jr *journalReader) record(b []byte) error {
	bad := func(err error) error { return fmt.Errorf("%d:1: %w", jr.line, err) }
	var rec journalRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("%d:%d: %w", jr.line, se.Offset, err)
		}
		return bad(err)
	}
	n := len(jr.attempts)
	if rec.Attempt < 1 || rec.Attempt > n+1 {
		// Attempts come in order, each first in a line of its own.
		return bad(fmt.Errorf("attempt %d after %d attempts, want 1 to %d", rec.Attempt, n, n+1))
	}
	if rec.Attempt > n {
		jr.attempts = append(jr.attempts, &recoveredAttempt{})
	}
	ra := jr.attempts[rec.Attempt-1]
	switch {
	case rec.Answer != nil:
		a, err := jr.part(b, rec.Answer)
		if err != nil {
			return err
		}
		ra.a.Label, ra.a.After, ra.a.Answer = a.Label, a.After, a.Answer
		ra.a.Steps = append(ra.a.Steps, a.Steps...)
		ra.answered = true
	case rec.Steps != nil:
		a, err := jr.part(b, rec.Steps)
		if err != nil {
			return err
		}
		ra.a.Steps = append(ra.a.Steps, a.Steps...)
	case rec.End:
		ra.ended = true
	}
	return nil
}

// part parses raw, the script of one attempt in the line b.
func (jr *journalReader) part(b []byte, raw json.RawMessage) (*Attempt, error) {
	s, err := parse(raw, "")
	if err != nil {
		return nil, placeErrors(err, jr.line, bytes.Index(b, raw))
	}
	if len(s.Attempts) != 1 {
		return nil, fmt.Errorf("%d:1: %d attempts in a line's script, want 1", jr.line, len(s.Attempts))
	}
	return &s.Attempts[0], nil
}

// recovered returns the script of the attempts read, described.
func (jr *journalReader) recovered(h journalHeader) (*Script, error) {
	s := &Script{Name: h.Name}
	open := 0
	for _, ra := range jr.attempts {
		a := ra.a
		switch {
		case !ra.answered:
			a.Answer = Hang{}
			a.Label = "recorded: no answer from the upstream when the recording stopped"
			a.Steps = nil
		case !ra.ended:
			if _, ok := a.Answer.(Accept); ok {
				open++
				a.Label = strings.TrimPrefix(a.Label+"; recovered: the recording stopped with this connection open", "; ")
			}
		}
		s.Attempts = append(s.Attempts, a)
	}
	if len(s.Attempts) == 0 {
		return nil, errors.New("the journal holds no attempt")
	}
	what := []string{fmt.Sprintf("Recovered from the journal of a recording started %s", h.Started)}
	if open > 0 {
		what = append(what, fmt.Sprintf("%d connections were still open when it stopped", open))
	}
	if jr.cut {
		what = append(what, "its last line was cut short and is left out")
	}
	s.Description = strings.Join(what, "; ") + "."
	if note := redactionNote(s); note != "" {
		s.Description += "\n" + note
	}
	return s, s.Validate()
}

// JournalErr returns the first error writing the Proxy's journal (see
// ProxyJournal), or nil: after it the journal is incomplete, but the
// recording goes on.
func (p *Proxy) JournalErr() error { return p.journal.error() }

// placeErrors places the parse errors in err, of a line's script, in the
// journal: on line line, off bytes into it.
func placeErrors(err error, line, off int) error {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for i, e := range errs {
		var pe *ParseError
		if errors.As(e, &pe) {
			placed := *pe
			if placed.Line == 1 {
				placed.Column += max(off, 0)
			}
			placed.Line = line
			errs[i] = &placed
		}
	}
	return errors.Join(errs...)
}
