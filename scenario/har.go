package scenario

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble"
)

// maxHARSize bounds what FromHAR reads.
const maxHARSize = 256 << 20

// maxHARGap bounds the seconds between two messages of one connection: a
// larger gap means the times are not what FromHAR takes them for.
const maxHARGap = 30 * 24 * 3600

// FromHAR imports the WebSocket connections of a HAR file (as saved by
// Chrome's DevTools or by Playwright) as a script: each entry whose
// _resourceType is "websocket" (or that carries _webSocketMessages or a ws
// URL) becomes an attempt, in order of startedDateTime. Its response status
// decides the answer: 101 accepts (with the Sec-WebSocket-Protocol the
// server chose), 200–599 refuses with that status, headers and body, and no
// status (a failed connection) hangs. Its _webSocketMessages become steps:
// a message the browser received is a Send, after a Wait for the time since
// the previous step, and one it sent is an Expect of exactly that message;
// opcode 1 is text, 2 binary (base64), -1 an error frame, replayed as a
// Drop.
//
// Message times are seconds since the epoch in Chrome's files and
// milliseconds in Playwright's; FromHAR tells them apart by magnitude.
// The values of secret headers are redacted unless Unredacted is given
// (see DefaultRedactedHeaders), and RedactFields redacts JSON fields.
func FromHAR(r io.Reader, opts ...RecordOption) (*Script, error) {
	return fromHAR(r, maxHARSize, opts)
}

// fromHAR is FromHAR with a size limit, which tests make small.
func fromHAR(r io.Reader, limit int64, opts []RecordOption) (*Script, error) {
	src, err := readAtMost(r, limit)
	switch {
	case errors.Is(err, errTooLarge):
		return nil, fmt.Errorf("scenario: FromHAR: the file is larger than %s", sizeText(limit))
	case err != nil:
		return nil, fmt.Errorf("scenario: FromHAR: %w", err)
	}
	var har harFile
	if err := json.Unmarshal(src, &har); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(src, se.Offset)
			return nil, fmt.Errorf("scenario: FromHAR: %d:%d: %v", line, col, err)
		}
		return nil, fmt.Errorf("scenario: FromHAR: %w", harFieldError("", err))
	}
	var entries []harEntry
	for i, raw := range har.Log.Entries {
		e, err := decodeHAREntry(i, raw)
		if err != nil {
			return nil, fmt.Errorf("scenario: FromHAR: %w", err)
		}
		if e.isWebSocket() {
			entries = append(entries, e)
		}
	}
	if len(entries) == 0 {
		return nil, errors.New("scenario: FromHAR: no WebSocket entry (none with _resourceType \"websocket\")")
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].StartedDateTime < entries[j].StartedDateTime })
	name := "har"
	if har.Log.Creator.Name != "" {
		name = "har from " + har.Log.Creator.Name
	}
	s := &Script{Name: name}
	for _, e := range entries {
		a, err := e.attempt()
		if err != nil {
			return nil, fmt.Errorf("scenario: FromHAR: %w", err)
		}
		s.Attempts = append(s.Attempts, a)
	}
	return buildRecordConfig(opts).finish(s)
}

// decodeHAREntry decodes entry i of the file, and its headers and
// messages one by one, so that an error names the one it is in:
// encoding/json's paths have no indexes.
func decodeHAREntry(i int, raw json.RawMessage) (harEntry, error) {
	e := harEntry{index: i}
	if err := json.Unmarshal(raw, &e); err != nil {
		return e, harFieldError(e.field(), err)
	}
	// The request's headers are not recorded (but for the subprotocols
	// offered), yet a file that has them wrong is not one FromHAR reads
	// right.
	var err error
	if e.requestHeaders, err = harHeaderList(e.Request.Headers, e.field()+".request.headers"); err != nil {
		return e, err
	}
	if e.responseHeaders, err = harHeaderList(e.Response.Headers, e.field()+".response.headers"); err != nil {
		return e, err
	}
	for j, raw := range e.RawMessages {
		m := harMessage{index: j}
		if err := json.Unmarshal(raw, &m); err != nil {
			return e, harFieldError(e.messageField(j, ""), err)
		}
		e.Messages = append(e.Messages, m)
	}
	return e, nil
}

// harFieldError names the HAR field of a decoding error: prefix is the
// path of the value decoded ("log.entries[3]"), and the error's own field
// is the path within it. A type error says what JSON the field wants,
// rather than a Go type.
func harFieldError(prefix string, err error) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		if prefix == "" {
			return err
		}
		return fmt.Errorf("%s: %w", prefix, err)
	}
	field := te.Field
	if prefix != "" && field != "" {
		field = prefix + "." + field
	} else if field == "" {
		field = prefix
	}
	if field == "" {
		field = "the file"
	}
	return fmt.Errorf("%s: got a JSON %s, want %s", field, te.Value, jsonKind(te.Type))
}

// jsonKind is the JSON a Go type is decoded from, for error messages.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

type harFile struct {
	Log struct {
		Creator struct {
			Name string `json:"name"`
		} `json:"creator"`
		Entries []json.RawMessage `json:"entries"`
	} `json:"log"`
}

type harEntry struct {
	index           int    // in log.entries
	StartedDateTime string `json:"startedDateTime"`
	Request         struct {
		URL     string            `json:"url"`
		Headers []json.RawMessage `json:"headers"`
	} `json:"request"`
	Response struct {
		Status  int               `json:"status"`
		Headers []json.RawMessage `json:"headers"`
		Content struct {
			Text     string `json:"text"`
			Encoding string `json:"encoding"`
		} `json:"content"`
	} `json:"response"`
	ResourceType string            `json:"_resourceType"`
	RawMessages  []json.RawMessage `json:"_webSocketMessages"`

	// Decoded one by one from the raw lists above.
	requestHeaders  []harHeader
	responseHeaders []harHeader
	Messages        []harMessage
}

// harHeaderList decodes a list of headers at field.
func harHeaderList(raws []json.RawMessage, field string) ([]harHeader, error) {
	hs := make([]harHeader, len(raws))
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &hs[i]); err != nil {
			return nil, harFieldError(fmt.Sprintf("%s[%d]", field, i), err)
		}
	}
	return hs, nil
}

// field is the entry's path in the file.
func (e harEntry) field() string { return fmt.Sprintf("log.entries[%d]", e.index) }

// messageField is the path of a field of the entry's message j ("" for the
// whole message).
func (e harEntry) messageField(j int, name string) string {
	f := fmt.Sprintf("%s._webSocketMessages[%d]", e.field(), j)
	if name != "" {
		f += "." + name
	}
	return f
}

type harHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harMessage struct {
	index  int     // in _webSocketMessages
	Type   string  `json:"type"`
	Time   float64 `json:"time"`
	Opcode int     `json:"opcode"`
	Data   string  `json:"data"`
}

func (e harEntry) isWebSocket() bool {
	if e.ResourceType == "websocket" || len(e.Messages) > 0 {
		return true
	}
	u, err := url.Parse(e.Request.URL)
	return err == nil && (u.Scheme == "ws" || u.Scheme == "wss")
}

func harHeaders(hs []harHeader) http.Header {
	h := http.Header{}
	for _, x := range hs {
		if !validHeaderName(x.Name) { // HTTP/2 pseudo-headers (":status"), junk
			continue
		}
		h.Add(x.Name, x.Value)
	}
	return h
}

// seconds returns a message time in seconds since the epoch: Playwright
// writes milliseconds, Chrome seconds (a time past the year 5138 in
// seconds is taken as milliseconds).
func seconds(t float64) float64 {
	if t > 1e11 {
		return t / 1000
	}
	return t
}

func (e harEntry) attempt() (Attempt, error) {
	var t transcript
	ans, label, err := e.answer()
	if err != nil {
		return Attempt{}, err
	}
	t.answer(0, 0, ans, label)
	if _, ok := ans.(Accept); !ok {
		if len(e.Messages) > 0 {
			return t.attempt(), fmt.Errorf("%s._webSocketMessages: %d messages on a connection answered with status %d", e.field(), len(e.Messages), e.Response.Status)
		}
		return t.attempt(), nil
	}
	err = e.messages(&t)
	return t.attempt(), err
}

// answer is how the entry's handshake was answered, and the attempt's
// label: its path.
func (e harEntry) answer() (Answer, string, error) {
	var label string
	if u, err := url.Parse(e.Request.URL); err == nil && u.Path != "" {
		label = u.Path
	}
	resp := harHeaders(e.responseHeaders)
	switch st := e.Response.Status; {
	case st == http.StatusSwitchingProtocols:
		offered := harHeaders(e.requestHeaders).Get("Sec-WebSocket-Protocol") != ""
		return accepted(resp.Get("Sec-WebSocket-Protocol"), offered, nil), label, nil
	case st >= 200 && st <= 599:
		body := e.Response.Content.Text
		if e.Response.Content.Encoding == "base64" {
			b, err := base64.StdEncoding.DecodeString(body)
			if err != nil {
				return nil, label, fmt.Errorf("%s.response.content.text: not base64: %w", e.field(), err)
			}
			body = string(b)
		}
		return refused(st, resp, body), label, nil
	}
	return Hang{}, strings.TrimSpace(label + " (recorded with no response)"), nil
}

// messages records the entry's _webSocketMessages in t, in order of time.
// The times of the transcript count from the connection's start when the
// file gives it, else from the first message; each is the previous one's
// plus the gap between the two, rounded to the microsecond, as the seconds
// of a HAR file are not exact. (Each gap is bounded, not their sum: a sum
// that overflows wraps around, and the differences the transcript takes
// are still the gaps.)
func (e harEntry) messages(t *transcript) error {
	if len(e.Messages) == 0 {
		return nil
	}
	msgs := append([]harMessage(nil), e.Messages...)
	sort.SliceStable(msgs, func(i, j int) bool { return seconds(msgs[i].Time) < seconds(msgs[j].Time) })
	prev := seconds(msgs[0].Time)
	if t, err := time.Parse(time.RFC3339Nano, e.StartedDateTime); err == nil {
		if start := float64(t.UnixNano()) / 1e9; start <= prev {
			prev = start
		}
	}
	var at time.Duration
	for _, m := range msgs {
		sec := seconds(m.Time)
		if math.IsNaN(sec) || math.IsInf(sec, 0) || sec-prev > maxHARGap {
			return fmt.Errorf("%s: %v is not within %v s of the previous message", e.messageField(m.index, "time"), m.Time, maxHARGap)
		}
		at += time.Duration((sec - prev) * float64(time.Second)).Round(time.Microsecond)
		prev = sec
		msg, err := e.message(m)
		switch {
		case err != nil:
			return err
		case m.Type == "send" && m.Opcode != -1:
			t.fromClient(at, msg)
		case m.Type != "receive" && m.Type != "send":
			return fmt.Errorf("%s: %q is neither send nor receive", e.messageField(m.index, "type"), m.Type)
		case m.Opcode == -1:
			t.dropped(at)
			return nil // nothing follows an error frame
		default:
			t.toClient(at, msg)
		}
	}
	return nil
}

// message decodes m's data by its opcode: 1 text, 2 binary (base64), -1
// an error frame (no message).
func (e harEntry) message(m harMessage) (wsdouble.Message, error) {
	switch m.Opcode {
	case 1:
		return wsdouble.Text(m.Data), nil
	case 2:
		b, err := base64.StdEncoding.DecodeString(m.Data)
		if err != nil {
			return wsdouble.Message{}, fmt.Errorf("%s: binary data (opcode 2) is not base64: %w", e.messageField(m.index, "data"), err)
		}
		return wsdouble.Binary(b), nil
	case -1:
		return wsdouble.Message{}, nil
	}
	return wsdouble.Message{}, fmt.Errorf("%s: unsupported opcode %d (want 1, 2 or -1)", e.messageField(m.index, "opcode"), m.Opcode)
}
