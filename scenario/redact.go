package scenario

import (
	"net/http"
	"slices"
	"time"
)

// Redacted replaces the values of redacted headers in recorded scripts.
const Redacted = "REDACTED"

// DefaultRedactedHeaders are the headers whose values recordings never keep:
// credentials and the handshake nonce.
var DefaultRedactedHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "Sec-WebSocket-Key"}

// RecordOption configures a Recorder, a Proxy or FromHAR.
type RecordOption interface {
	applyRecord(*recordConfig)
}

type recordConfig struct {
	redact     []string
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
// DefaultRedactedHeaders.
func RedactHeaders(names ...string) RecordOption {
	names = slices.Clone(names)
	return recordOptionFunc(func(c *recordConfig) { c.redact = append(c.redact, names...) })
}

// Unredacted keeps every header value, secrets included. Never commit a
// script recorded with it.
func Unredacted() RecordOption {
	return recordOptionFunc(func(c *recordConfig) { c.unredacted = true })
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
	for _, name := range c.redact {
		key := http.CanonicalHeaderKey(name)
		if vs, ok := h[key]; ok {
			for i := range vs {
				vs[i] = Redacted
			}
		}
	}
	return h
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
