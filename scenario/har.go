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
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line, col := lineCol(src, se.Offset)
			return nil, fmt.Errorf("scenario: FromHAR: %d:%d: %v", line, col, err)
		case errors.As(err, &te):
			line, col := lineCol(src, te.Offset)
			return nil, fmt.Errorf("scenario: FromHAR: %d:%d: %s: got a JSON %s, want %v", line, col, te.Field, te.Value, te.Type)
		}
		return nil, fmt.Errorf("scenario: FromHAR: %w", err)
	}
	var entries []harEntry
	for _, e := range har.Log.Entries {
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
	for i, e := range entries {
		a, err := e.attempt()
		if err != nil {
			return nil, fmt.Errorf("scenario: FromHAR: websocket entry %d (%s): %w", i+1, e.Request.URL, err)
		}
		s.Attempts = append(s.Attempts, a)
	}
	return buildRecordConfig(opts).finish(s)
}

type harFile struct {
	Log struct {
		Creator struct {
			Name string `json:"name"`
		} `json:"creator"`
		Entries []harEntry `json:"entries"`
	} `json:"log"`
}

type harEntry struct {
	StartedDateTime string `json:"startedDateTime"`
	Request         struct {
		URL     string      `json:"url"`
		Headers []harHeader `json:"headers"`
	} `json:"request"`
	Response struct {
		Status  int         `json:"status"`
		Headers []harHeader `json:"headers"`
		Content struct {
			Text     string `json:"text"`
			Encoding string `json:"encoding"`
		} `json:"content"`
	} `json:"response"`
	ResourceType string       `json:"_resourceType"`
	Messages     []harMessage `json:"_webSocketMessages"`
}

type harHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harMessage struct {
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
	var a Attempt
	if u, err := url.Parse(e.Request.URL); err == nil && u.Path != "" {
		a.Label = u.Path
	}
	resp := harHeaders(e.Response.Headers)
	switch st := e.Response.Status; {
	case st == http.StatusSwitchingProtocols:
		a.Answer = Accept{Subprotocol: resp.Get("Sec-WebSocket-Protocol")}
	case st >= 200 && st <= 599:
		body := e.Response.Content.Text
		if e.Response.Content.Encoding == "base64" {
			b, err := base64.StdEncoding.DecodeString(body)
			if err != nil {
				return a, fmt.Errorf("response body: not base64: %w", err)
			}
			body = string(b)
		}
		a.Answer = Refuse{Status: st, Header: answerHeader(resp), Body: body}
	default:
		a.Answer = Hang{}
		a.Label = strings.TrimSpace(a.Label + " (recorded with no response)")
	}
	if _, ok := a.Answer.(Accept); !ok {
		if len(e.Messages) > 0 {
			return a, fmt.Errorf("%d messages on a connection answered with status %d", len(e.Messages), e.Response.Status)
		}
		return a, nil
	}
	if len(e.Messages) == 0 {
		return a, nil
	}
	msgs := append([]harMessage(nil), e.Messages...)
	sort.SliceStable(msgs, func(i, j int) bool { return seconds(msgs[i].Time) < seconds(msgs[j].Time) })
	// Times count from the connection's start when the file gives it.
	prev := seconds(msgs[0].Time)
	if t, err := time.Parse(time.RFC3339Nano, e.StartedDateTime); err == nil {
		if start := float64(t.UnixNano()) / 1e9; start <= prev {
			prev = start
		}
	}
	for i, m := range msgs {
		at := seconds(m.Time)
		if math.IsNaN(at) || math.IsInf(at, 0) || at-prev > maxHARGap {
			return a, fmt.Errorf("message %d: time %v is not within %v s of the previous one", i+1, m.Time, maxHARGap)
		}
		var msg wsdouble.Message
		switch m.Opcode {
		case 1:
			msg = wsdouble.Text(m.Data)
		case 2:
			b, err := base64.StdEncoding.DecodeString(m.Data)
			if err != nil {
				return a, fmt.Errorf("message %d: binary data is not base64: %w", i+1, err)
			}
			msg = wsdouble.Binary(b)
		case -1:
		default:
			return a, fmt.Errorf("message %d: unsupported opcode %d (want 1, 2 or -1)", i+1, m.Opcode)
		}
		switch {
		case m.Type == "send" && m.Opcode != -1:
			a.Steps = append(a.Steps, Step{Action: Expect{Match: Exact{Message: msg}}})
		case m.Type == "receive" || m.Type == "send":
			if d := time.Duration((at - prev) * float64(time.Second)).Round(time.Microsecond); d > 0 {
				a.Steps = append(a.Steps, Step{Action: Wait{Duration: d}})
			}
			if m.Opcode == -1 {
				a.Steps = append(a.Steps, Step{Action: Drop{}})
				return a, nil // nothing follows an error frame
			}
			a.Steps = append(a.Steps, Step{Action: Send{Message: msg}})
		default:
			return a, fmt.Errorf("message %d: type %q is neither send nor receive", i+1, m.Type)
		}
		prev = at
	}
	return a, nil
}
