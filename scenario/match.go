package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"sync/atomic"

	"github.com/wsdouble/wsdouble"
)

// Matcher checks a message the client sent, for an Expect step. The
// matchers of this package (Exact, Regexp, JSON, Any) can be written to a
// file; a custom one can only be used from Go.
type Matcher interface {
	// Match returns nil if m matches, or what is wrong with it.
	Match(m wsdouble.Message) error
	// String describes what is expected, for reports.
	String() string
}

// Exact matches a message of the same type and bytes.
type Exact struct{ Message wsdouble.Message }

// Match implements Matcher.
func (e Exact) Match(m wsdouble.Message) error {
	if !m.Equal(e.Message) {
		return fmt.Errorf("got %v", m)
	}
	return nil
}

// String implements Matcher.
func (e Exact) String() string { return e.Message.String() }

// MaxRegexpSize is the longest pattern, in bytes, that a Regexp matcher
// takes: compiling a pattern costs well over a hundred times its length in
// memory, and a long one seconds of CPU, so Parse refuses a longer one
// before compiling it, naming its line and field.
const MaxRegexpSize = 4096

// Regexp matches a text message that the regular expression matches. A
// Regexp read by Parse is compiled when it first matches: parsing checks
// its syntax only, which costs a fraction of compiling it.
type Regexp struct {
	Pattern string
	// state is nil until the pattern is checked; then its re is nil until
	// the pattern is compiled.
	state atomic.Pointer[regexpState]
}

type regexpState struct{ re *regexp.Regexp }

// checkedOnly is the state of every Regexp whose pattern was checked but
// not compiled.
var checkedOnly = &regexpState{}

// MatchRegexp returns a Regexp matcher, or an error if pattern does not
// compile or is longer than MaxRegexpSize.
func MatchRegexp(pattern string) (*Regexp, error) {
	if err := checkPatternSize(pattern); err != nil {
		return nil, err
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	r := &Regexp{Pattern: pattern}
	r.state.Store(&regexpState{re: re})
	return r, nil
}

func checkPatternSize(pattern string) error {
	if len(pattern) > MaxRegexpSize {
		return fmt.Errorf("the pattern is %d bytes long; a regexp may be at most %d (MaxRegexpSize)", len(pattern), MaxRegexpSize)
	}
	return nil
}

// checkPattern checks a pattern as regexp.Compile would, without
// compiling it.
func checkPattern(pattern string) error {
	if err := checkPatternSize(pattern); err != nil {
		return err
	}
	if _, err := syntax.Parse(pattern, syntax.Perl); err != nil {
		return fmt.Errorf("bad regexp: %w", err)
	}
	return nil
}

func (r *Regexp) validate() error {
	if r.state.Load() != nil {
		return nil
	}
	if err := checkPattern(r.Pattern); err != nil {
		return err
	}
	r.state.CompareAndSwap(nil, checkedOnly)
	return nil
}

// compiled returns the compiled pattern, compiling it the first time.
// Steps that match at once may each compile it; they store equal values.
func (r *Regexp) compiled() (*regexp.Regexp, error) {
	if st := r.state.Load(); st != nil && st.re != nil {
		return st.re, nil
	}
	if err := checkPatternSize(r.Pattern); err != nil {
		return nil, err
	}
	re, err := regexp.Compile(r.Pattern)
	if err != nil {
		return nil, fmt.Errorf("bad regexp: %w", err)
	}
	r.state.Store(&regexpState{re: re})
	return re, nil
}

// Match implements Matcher.
func (r *Regexp) Match(m wsdouble.Message) error {
	re, err := r.compiled()
	if err != nil {
		return err
	}
	if m.Type != wsdouble.TextMessage {
		return fmt.Errorf("got %v, want text", m)
	}
	if !re.Match(m.Data) {
		return fmt.Errorf("got %v", m)
	}
	return nil
}

// String implements Matcher.
func (r *Regexp) String() string { return "text matching /" + r.Pattern + "/" }

// JSON matches a text message holding JSON that contains Value: every key
// of an expected object must be present with a matching value (other keys
// are ignored), arrays must have the same length and match element by
// element, and other values must be equal.
type JSON struct {
	// Value is the expected JSON, compact.
	Value json.RawMessage
}

// MatchJSON returns a JSON matcher for v, which may be a JSON text (string
// or []byte) or any value encoding/json can marshal.
func MatchJSON(v any) (JSON, error) {
	var raw []byte
	switch v := v.(type) {
	case string:
		raw = []byte(v)
	case []byte:
		raw = v
	case json.RawMessage:
		raw = v
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return JSON{}, err
		}
		raw = b
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return JSON{}, fmt.Errorf("bad JSON: %w", err)
	}
	return JSON{Value: buf.Bytes()}, nil
}

func (j JSON) validate() error {
	if !json.Valid(j.Value) {
		return errors.New("bad JSON value")
	}
	return nil
}

// Match implements Matcher.
func (j JSON) Match(m wsdouble.Message) error {
	if m.Type != wsdouble.TextMessage {
		return fmt.Errorf("got %v, want JSON text", m)
	}
	var want, got any
	if err := decodeJSON(j.Value, &want); err != nil {
		return fmt.Errorf("bad expected JSON: %w", err)
	}
	if err := decodeJSON(m.Data, &got); err != nil {
		return fmt.Errorf("got %v, which is not JSON", m)
	}
	if path, ok := subset(want, got, "$"); !ok {
		return fmt.Errorf("got %v: %s differs", m, path)
	}
	return nil
}

// String implements Matcher.
func (j JSON) String() string { return "JSON containing " + string(j.Value) }

func decodeJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("trailing data")
	}
	return nil
}

// subset reports whether got contains want, and if not, the path of the
// first difference.
func subset(want, got any, path string) (string, bool) {
	switch w := want.(type) {
	case map[string]any:
		return subsetObject(w, got, path)
	case []any:
		return subsetArray(w, got, path)
	case json.Number:
		g, ok := got.(json.Number)
		return path, ok && sameNumber(w, g)
	default:
		return path, want == got
	}
}

// subsetObject reports whether got is an object with every member of w,
// each containing w's; if not, the path of the first difference.
func subsetObject(w map[string]any, got any, path string) (string, bool) {
	g, ok := got.(map[string]any)
	if !ok {
		return path, false
	}
	for k, wv := range w {
		gv, ok := g[k]
		if !ok {
			return path + "." + k, false
		}
		if p, ok := subset(wv, gv, path+"."+k); !ok {
			return p, false
		}
	}
	return "", true
}

// subsetArray reports whether got is an array as long as w, whose every
// element contains w's; if not, the path of the first difference.
func subsetArray(w []any, got any, path string) (string, bool) {
	g, ok := got.([]any)
	if !ok || len(g) != len(w) {
		return path, false
	}
	for i := range w {
		if p, ok := subset(w[i], g[i], path+"["+strconv.Itoa(i)+"]"); !ok {
			return p, false
		}
	}
	return "", true
}

// sameNumber reports whether two JSON numbers are equal: as written, or
// as float64s (1 and 1.0, 1e2 and 100).
func sameNumber(w, g json.Number) bool {
	if w == g {
		return true
	}
	wf, err1 := w.Float64()
	gf, err2 := g.Float64()
	return err1 == nil && err2 == nil && wf == gf
}

// Any matches any message; with Type set, only a message of that type.
type Any struct{ Type wsdouble.MessageType }

// Match implements Matcher.
func (a Any) Match(m wsdouble.Message) error {
	if a.Type != 0 && m.Type != a.Type {
		return fmt.Errorf("got %v, want %v", m, a.Type)
	}
	return nil
}

// String implements Matcher.
func (a Any) String() string {
	if a.Type == 0 {
		return "any message"
	}
	return "any " + a.Type.String() + " message"
}

func (a Any) validate() error {
	switch a.Type {
	case 0, wsdouble.TextMessage, wsdouble.BinaryMessage:
		return nil
	}
	return fmt.Errorf("message type %v is neither text nor binary", a.Type)
}
