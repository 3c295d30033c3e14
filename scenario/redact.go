package scenario

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble"
)

// Redacted replaces the values of redacted headers and JSON fields in
// recorded scripts.
const Redacted = "REDACTED"

// DefaultRedactedHeaders are headers whose values recordings never keep:
// credentials and the handshake nonce. Recordings also redact every header
// whose name contains one of the words token, key, secret, auth, session,
// cookie or password, in any case (X-Auth-Token, X-Api-Key,
// X-Session-Id, WWW-Authenticate): see Unredacted.
var DefaultRedactedHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "Sec-WebSocket-Key"}

// secretHeaderWords mark a header name as one that carries a secret,
// wherever they appear in it, in any case.
var secretHeaderWords = []string{"token", "key", "secret", "auth", "session", "cookie", "password"}

// secretHeader reports whether a header's name says it carries a secret.
func secretHeader(name string) bool {
	name = strings.ToLower(name)
	for _, w := range secretHeaderWords {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// RecordOption configures a Recorder, a Proxy or FromHAR.
type RecordOption interface {
	applyRecord(*recordConfig)
}

type recordConfig struct {
	redact     []string // header names, canonical or not
	fields     []string // JSON member names, compared case-insensitively
	unredacted bool
	minWait    time.Duration
	beforeSave []func(*Script) error
}

type recordOptionFunc func(*recordConfig)

func (f recordOptionFunc) applyRecord(c *recordConfig) { f(c) }

func buildRecordConfig(opts []RecordOption) recordConfig {
	c := recordConfig{redact: slices.Clone(DefaultRedactedHeaders)}
	for _, o := range opts {
		if o != nil {
			o.applyRecord(&c)
		}
	}
	return c
}

// RedactHeaders adds header names to redact, beyond
// DefaultRedactedHeaders and those whose name says they carry a secret.
func RedactHeaders(names ...string) RecordOption {
	names = slices.Clone(names)
	return recordOptionFunc(func(c *recordConfig) { c.redact = append(c.redact, names...) })
}

// Unredacted keeps every header value, secrets included: it turns off the
// redaction of DefaultRedactedHeaders, of the headers whose names say they
// carry a secret, and of RedactHeaders. RedactFields still applies. Never
// commit a script recorded with it.
func Unredacted() RecordOption {
	return recordOptionFunc(func(c *recordConfig) { c.unredacted = true })
}

// RedactFields redacts JSON fields inside messages: in every text message
// that holds JSON, the value of every object member with one of these
// names (at any depth, names compared case-insensitively) is replaced.
// A message the server sends (a Send step) keeps the member, with the
// string Redacted for its value; a message the client sent (an Expect step)
// is expected as JSON without the member (a JSON matcher), so that a replay
// still checks the rest of it. Either step is labelled "redacted: NAME",
// and the script's Description says what was redacted. A message that is
// not JSON is kept as it is. The JSON of a redacted message is written
// again compact, members in their order.
func RedactFields(names ...string) RecordOption {
	names = slices.Clone(names)
	return recordOptionFunc(func(c *recordConfig) { c.fields = append(c.fields, names...) })
}

// MinWait leaves out of a recording every pause shorter than d (a Wait
// step, an attempt's After): on a real network, pauses of microseconds are
// noise, not part of the scenario.
func MinWait(d time.Duration) RecordOption {
	return recordOptionFunc(func(c *recordConfig) { c.minWait = d })
}

// BeforeSave adds a hook run on every script a recording produces, before
// it is returned: to redact secrets in messages, drop attempts, rename.
// Hooks run in the order given; an error from one is returned.
func BeforeSave(hook func(*Script) error) RecordOption {
	return recordOptionFunc(func(c *recordConfig) { c.beforeSave = append(c.beforeSave, hook) })
}

// finish drops short pauses, redacts s and runs the hooks.
func (c recordConfig) finish(s *Script) (*Script, error) {
	for i := range s.Attempts {
		a := &s.Attempts[i]
		if a.After < c.minWait {
			a.After = 0
		}
		a.Steps = slices.DeleteFunc(a.Steps, func(st Step) bool {
			w, ok := st.Action.(Wait)
			return ok && w.Duration < c.minWait
		})
	}
	if !c.unredacted {
		for i := range s.Attempts {
			switch ans := s.Attempts[i].Answer.(type) {
			case Accept:
				ans.Header = c.redactHeader(ans.Header)
				s.Attempts[i].Answer = ans
			case Refuse:
				ans.Header = c.redactHeader(ans.Header)
				s.Attempts[i].Answer = ans
			}
		}
	}
	if len(c.fields) > 0 {
		for i := range s.Attempts {
			s.Attempts[i].Steps = c.redactSteps(s.Attempts[i].Steps)
		}
	}
	if note := redactionNote(s); note != "" {
		s.Description = strings.TrimSpace(s.Description + "\n" + note)
	}
	for _, hook := range c.beforeSave {
		if err := hook(s); err != nil {
			return nil, err
		}
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

func (c recordConfig) redactHeader(h http.Header) http.Header {
	if len(h) == 0 {
		return h
	}
	h = h.Clone()
	for key, vs := range h {
		if !c.secretHeader(key) {
			continue
		}
		for i := range vs {
			vs[i] = Redacted
		}
	}
	return h
}

// secretHeader reports whether the value of header key is redacted.
func (c recordConfig) secretHeader(key string) bool {
	if secretHeader(key) {
		return true
	}
	for _, name := range slices.Concat(DefaultRedactedHeaders, c.redact) {
		if strings.EqualFold(name, key) {
			return true
		}
	}
	return false
}

// redactSteps redacts the JSON fields of the messages of steps.
func (c recordConfig) redactSteps(steps []Step) []Step {
	for i, st := range steps {
		var m wsdouble.Message
		switch act := st.Action.(type) {
		case Send:
			m = act.Message
		case Expect:
			ex, ok := act.Match.(Exact)
			if !ok {
				continue
			}
			m = ex.Message
		default:
			continue
		}
		if m.Type != wsdouble.TextMessage {
			continue
		}
		_, expect := st.Action.(Expect)
		data, names, ok := redactJSON(m.Data, c.fields, !expect)
		if !ok {
			continue
		}
		switch act := st.Action.(type) {
		case Send:
			act.Message = wsdouble.Message{Type: wsdouble.TextMessage, Data: data}
			steps[i].Action = act
		case Expect:
			act.Match = JSON{Value: data}
			steps[i].Action = act
		}
		label := redactedLabel + strings.Join(names, ", ")
		if st.Label != "" {
			label = st.Label + "; " + label
		}
		steps[i].Label = label
	}
	return steps
}

// redactedLabel starts the label of a step whose message was redacted.
const redactedLabel = "redacted: "

// redactionNote says what redaction left in s: the headers whose values are
// Redacted and the JSON fields named by step labels. It reads the script,
// not the configuration, so that a script recovered from a journal says
// the same as the recording would have.
func redactionNote(s *Script) string {
	var headers, fields []string
	for _, a := range s.Attempts {
		var h http.Header
		switch ans := a.Answer.(type) {
		case Accept:
			h = ans.Header
		case Refuse:
			h = ans.Header
		}
		for k, vs := range h {
			if slices.Contains(vs, Redacted) && !slices.Contains(headers, k) {
				headers = append(headers, k)
			}
		}
		for _, st := range a.Steps {
			_, names, ok := strings.Cut(st.Label, redactedLabel)
			if !ok {
				continue
			}
			for n := range strings.SplitSeq(names, ", ") {
				if !slices.Contains(fields, n) {
					fields = append(fields, n)
				}
			}
		}
	}
	if len(headers)+len(fields) == 0 {
		return ""
	}
	slices.Sort(headers)
	slices.Sort(fields)
	var what []string
	if len(headers) > 0 {
		what = append(what, "headers "+strings.Join(headers, ", "))
	}
	if len(fields) > 0 {
		what = append(what, "JSON fields "+strings.Join(fields, ", "))
	}
	return "Redacted by wsdouble: the values of " + strings.Join(what, " and of ") + " are " + Redacted + "."
}

// redactJSON redacts the members of the JSON text data named in fields:
// keep says whether each keeps its member with the value Redacted (else the
// member is left out). It returns the new JSON, compact, members in their
// order, with the names it redacted (as data spells them, sorted); ok is
// false when data is not JSON or has no such member. encoding/json bounds
// the nesting it reads (10,000), so does this.
func redactJSON(data []byte, fields []string, keep bool) (out []byte, names []string, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	r := &jsonRedactor{dec: dec, fields: fields, keep: keep}
	if err := r.value(); err != nil {
		return nil, nil, false
	}
	if _, err := dec.Token(); err != io.EOF || len(r.names) == 0 {
		return nil, nil, false // trailing data, or nothing to redact
	}
	slices.Sort(r.names)
	return r.out.Bytes(), slices.Compact(r.names), true
}

type jsonRedactor struct {
	dec    *json.Decoder
	fields []string
	keep   bool
	out    bytes.Buffer
	names  []string
}

func (r *jsonRedactor) value() error {
	tok, err := r.dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			err = r.array()
		} else {
			err = r.object()
		}
		if err != nil {
			return err
		}
		_, err := r.dec.Token() // the closing delimiter
		return err
	case string:
		r.str(t)
	case json.Number:
		r.out.WriteString(t.String())
	case bool:
		r.out.WriteString(strconv.FormatBool(t))
	case nil:
		r.out.WriteString("null")
	}
	return nil
}

// array writes the elements of an array, its '[' read.
func (r *jsonRedactor) array() error {
	r.out.WriteByte('[')
	for i := 0; r.dec.More(); i++ {
		if i > 0 {
			r.out.WriteByte(',')
		}
		if err := r.value(); err != nil {
			return err
		}
	}
	r.out.WriteByte(']')
	return nil
}

// object writes the members of an object, its '{' read, redacting those
// named in r.fields.
func (r *jsonRedactor) object() error {
	r.out.WriteByte('{')
	for n := 0; r.dec.More(); {
		k, err := r.dec.Token()
		if err != nil {
			return err
		}
		key, _ := k.(string)
		redact := slices.ContainsFunc(r.fields, func(f string) bool { return strings.EqualFold(f, key) })
		if redact {
			r.names = append(r.names, key)
			var skip json.RawMessage
			if err := r.dec.Decode(&skip); err != nil {
				return err
			}
			if !r.keep {
				continue
			}
		}
		if n > 0 {
			r.out.WriteByte(',')
		}
		n++
		r.str(key)
		r.out.WriteByte(':')
		if redact {
			r.str(Redacted)
		} else if err := r.value(); err != nil {
			return err
		}
	}
	r.out.WriteByte('}')
	return nil
}

// str writes s as a JSON string, without escaping HTML's <, > and &.
func (r *jsonRedactor) str(s string) {
	enc := json.NewEncoder(&r.out)
	enc.SetEscapeHTML(false)
	enc.Encode(s)                   // a string always encodes
	r.out.Truncate(r.out.Len() - 1) // Encode's newline
}

// answerHeader keeps the headers of a recorded handshake answer that a
// replay should send, dropping those HTTP and the WebSocket handshake set
// themselves.
func answerHeader(h http.Header) http.Header {
	out := http.Header{}
	for k, vs := range h {
		switch http.CanonicalHeaderKey(k) {
		case "Connection", "Upgrade", "Content-Length", "Transfer-Encoding", "Date",
			"Sec-Websocket-Accept", "Sec-Websocket-Protocol", "Sec-Websocket-Extensions", "Sec-Websocket-Version":
			continue
		}
		out[http.CanonicalHeaderKey(k)] = slices.Clone(vs)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
