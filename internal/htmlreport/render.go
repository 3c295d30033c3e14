package htmlreport

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"time"
)

// The page is page.html with page.css and page.js in its <style> and
// <script>, verbatim (html/template would drop the script's comments, and
// the hashes of the Content-Security-Policy are of these bytes).
var (
	//go:embed page.html
	pageHTML string
	//go:embed page.css
	pageCSS string
	//go:embed page.js
	pageJS string

	pageTemplate = template.Must(template.New("page").Parse(pageHTML))

	// csp lets the page run its own style and script, by their hashes,
	// and nothing else: no request leaves it, not even for an image
	// (Content Security Policy Level 3, hash-source).
	csp = "default-src 'none'; style-src " + hashSource(pageCSS) + "; script-src " + hashSource(pageJS) + "; base-uri 'none'; form-action 'none'"
)

func hashSource(s string) string {
	h := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}

// Write writes p as one self-contained HTML page. The same Page always
// makes the same bytes.
func Write(w io.Writer, p *Page) error {
	data, err := json.Marshal(wirePage{Origin: p.Origin, Lanes: wireLanes(p.Lanes)})
	if err != nil {
		return fmt.Errorf("htmlreport: Write: %w", err)
	}
	attempts := fmt.Sprintf("%d attempts", len(p.Lanes))
	if len(p.Lanes) == 1 {
		attempts = "1 attempt"
	}
	if p.Origin != "" {
		attempts += ", " + p.Origin
	}
	err = pageTemplate.Execute(w, struct {
		*Page
		CSP      string
		Attempts string
		// Data is JSON, which escapes <, > and & (json.Marshal): it
		// cannot end its <script> element.
		Data   template.JS
		Style  template.CSS
		Script template.JS
	}{p, csp, attempts, template.JS(data), template.CSS(pageCSS), template.JS(pageJS)})
	if err != nil {
		return fmt.Errorf("htmlreport: Write: %w", err)
	}
	return nil
}

// The page's data, as page.js reads it: short names, times in
// microseconds, kinds as words.
type wirePage struct {
	Origin string     `json:"origin,omitempty"`
	Lanes  []wireLane `json:"lanes"`
}

type wireLane struct {
	Group  string      `json:"g,omitempty"`
	Name   string      `json:"n"`
	Label  string      `json:"l,omitempty"`
	At     int64       `json:"at"`
	Answer wireAnswer  `json:"a"`
	Gap    *wireGap    `json:"gap,omitempty"`
	Events []wireEvent `json:"ev,omitempty"`
	End    wireEnd     `json:"e"`
	Note   string      `json:"note,omitempty"`
}

type wireAnswer struct {
	Kind string `json:"k"`
	Text string `json:"t"`
	At   int64  `json:"at,omitempty"`
}

type wireGap struct {
	Kind string `json:"k"`
	From int64  `json:"from"`
	Lo   int64  `json:"lo,omitempty"`
	Hi   int64  `json:"hi,omitempty"`
	Text string `json:"t,omitempty"`
}

type wireEvent struct {
	At    int64  `json:"t"`
	Kind  string `json:"k"`
	Check string `json:"c,omitempty"`
	Text  string `json:"x"`
	// Preview is a pointer so that a frame with an empty payload still
	// has one.
	Preview *string `json:"p,omitempty"`
	Size    int     `json:"s,omitempty"`
	Cut     bool    `json:"cut,omitempty"`
}

type wireEnd struct {
	Kind  string `json:"k,omitempty"`
	Text  string `json:"t,omitempty"`
	Code  int    `json:"code,omitempty"`
	At    int64  `json:"at,omitempty"`
	Clean bool   `json:"clean,omitempty"`
}

func us(d time.Duration) int64 { return d.Microseconds() }

var (
	answerWords = [...]string{Pending: "pending", Accepted: "accepted", Refused: "refused", Abandoned: "abandoned", Hung: "hung", Aborted: "aborted"}
	eventWords  = [...]string{Step: "step", ToClient: "to", FromClient: "from", Echo: "echo", Fault: "fault", Heal: "heal", ServerAction: "act", EndCheck: "endcheck", AfterMismatch: "mismatch"}
	checkWords  = [...]string{NoCheck: "", Held: "held", Missed: "missed", Stopped: "stopped"}
	endWords    = [...]string{NotEnded: "", ClientClosed: "client", ServerClosed: "server", Dropped: "dropped", ClientGone: "gone", Shutdown: "shutdown", Reset: "reset", Violation: "violation"}
	gapWords    = [...]string{NoGap: "", Plain: "plain", InPolicy: "in", OffPolicy: "off"}
)

// word is words[k], or "" for a kind the table does not know.
func word[K ~uint8](words []string, k K) string {
	if int(k) < len(words) {
		return words[k]
	}
	return ""
}

func wireLanes(lanes []Lane) []wireLane {
	out := make([]wireLane, len(lanes))
	for i, l := range lanes {
		w := wireLane{
			Group: l.Group, Name: l.Name, Label: l.Label, At: us(l.At), Note: l.Note,
			Answer: wireAnswer{Kind: word(answerWords[:], l.Answer.Kind), Text: l.Answer.Text, At: us(l.Answer.At)},
			End:    wireEnd{Kind: word(endWords[:], l.End.Kind), Text: l.End.Text, Code: l.End.Code, Clean: l.End.Clean},
		}
		if l.End.Kind != NotEnded {
			w.End.At = us(l.End.At)
		}
		if l.Gap.Kind != NoGap {
			w.Gap = &wireGap{Kind: word(gapWords[:], l.Gap.Kind), From: us(l.Gap.From), Text: l.Gap.Text}
			if l.Gap.Kind != Plain {
				w.Gap.Lo, w.Gap.Hi = us(l.Gap.Lo), us(l.Gap.Hi)
			}
		}
		for _, e := range l.Events {
			we := wireEvent{At: us(e.At), Kind: word(eventWords[:], e.Kind), Check: word(checkWords[:], e.Check), Text: e.Text}
			if f := e.Frame; f != nil {
				we.Preview, we.Size, we.Cut = &f.Preview, f.Size, f.Cut
			}
			w.Events = append(w.Events, we)
		}
		out[i] = w
	}
	return out
}
