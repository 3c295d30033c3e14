package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"

	"github.com/wsdouble/wsdouble"
)

// The reply templates of rules: a rule's reply may carry values of the
// message it answers, written {{...}} in its text.
//
//	{{$.id}}        the value at this JSON path of the client's message
//	                ($ is the whole message; .name a member, [n] an element)
//	{{1}}           the text of the rule's regexp's group 1 ({{0}}: the whole match)
//	{{name}}        the text of its group (?P<name>...)
//
// In a JSON reply, placeholders go in strings: a string that is one
// placeholder and nothing else becomes the captured JSON value itself (a
// number stays a number: "{{$.id}}" answers 7 with 7 and "7" with "7"); in a
// longer string, and in a text reply, a placeholder becomes the value's
// text (a string's characters, any other value's JSON). A binary reply
// takes no placeholders.

// Reply is a message a rule sends in answer. Its text may hold
// placeholders (see the package documentation, "Rules").
type Reply struct {
	Message wsdouble.Message
	// JSON records that the message was given as a JSON value: the file
	// format writes it back as one, and placeholders fill JSON strings.
	JSON bool
}

// maxPlaceholders bounds the placeholders of one reply, so that filling
// one costs a bounded amount per message.
const maxPlaceholders = 64

// placeholder is one {{...}} of a reply: a JSON path, or a group of the
// rule's regexp by number or name.
type placeholder struct {
	path  []pathStep // a JSON path, when isPath
	group int        // a group by number, when name is "" and not isPath
	name  string     // a group by name
	// isPath says it is a JSON path.
	isPath bool
}

// pathStep is one step of a JSON path: a member by name, or an element by
// index when member is "".
type pathStep struct {
	member string
	index  int
}

// parsePlaceholder parses the text between {{ and }}.
func parsePlaceholder(s string) (placeholder, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "$"):
		path, err := parsePath(s[1:])
		return placeholder{path: path, isPath: true}, err
	case s != "" && strings.Trim(s, "0123456789") == "":
		n, err := strconv.Atoi(s)
		if err != nil || n > 1000 {
			return placeholder{}, fmt.Errorf("{{%s}}: group %s is out of range", s, s)
		}
		return placeholder{group: n}, nil
	case isGroupName(s):
		return placeholder{name: s}, nil
	}
	return placeholder{}, fmt.Errorf("{{%s}}: want a JSON path ($.id), a group number (1) or a group name", s)
}

// isGroupName reports whether s can name a regexp group: a word.
func isGroupName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, c := range s {
		if c != '_' && !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// parsePath parses a JSON path after its $: .name and [n] steps.
func parsePath(s string) ([]pathStep, error) {
	var path []pathStep
	for s != "" {
		switch s[0] {
		case '.':
			end := strings.IndexAny(s[1:], ".[")
			if end < 0 {
				end = len(s) - 1
			}
			if end == 0 {
				return nil, fmt.Errorf("$%s: an empty member name", s)
			}
			path = append(path, pathStep{member: s[1 : 1+end]})
			s = s[1+end:]
		case '[':
			end := strings.IndexByte(s, ']')
			n, err := strconv.Atoi(s[1:max(end, 1)])
			if end < 0 || err != nil || n < 0 {
				return nil, fmt.Errorf("$%s: want [n], an index from 0", s)
			}
			path = append(path, pathStep{index: n})
			s = s[end+1:]
		default:
			return nil, fmt.Errorf("$%s: want .name or [n] after $", s)
		}
	}
	return path, nil
}

// placeholders returns the placeholders of a text, in order, or what is
// wrong with one. Every {{ starts a placeholder.
func placeholders(text string) ([]placeholder, error) {
	var out []placeholder
	for {
		i := strings.Index(text, "{{")
		if i < 0 {
			return out, nil
		}
		j := strings.Index(text[i:], "}}")
		if j < 0 {
			return nil, errors.New("a {{ without its }}")
		}
		ph, err := parsePlaceholder(text[i+2 : i+j])
		if err != nil {
			return nil, err
		}
		if out = append(out, ph); len(out) > maxPlaceholders {
			return nil, fmt.Errorf("more than %d placeholders", maxPlaceholders)
		}
		text = text[i+j+2:]
	}
}

// replyPlaceholders returns every placeholder of a reply, checking that a
// JSON reply is JSON with its placeholders in strings.
func (rp Reply) placeholders() ([]placeholder, error) {
	switch {
	case rp.Message.Type == wsdouble.BinaryMessage:
		return nil, nil
	case !rp.JSON:
		return placeholders(string(rp.Message.Data))
	}
	if !json.Valid(rp.Message.Data) {
		return nil, errors.New("the reply is not JSON")
	}
	var all []placeholder
	err := jsonStrings(rp.Message.Data, func(s string, _ bool) error {
		phs, err := placeholders(s)
		all = append(all, phs...)
		if len(all) > maxPlaceholders {
			return fmt.Errorf("more than %d placeholders", maxPlaceholders)
		}
		return err
	})
	return all, err
}

// jsonStrings calls f with every string of the valid JSON text src, and
// whether it is an object's key, in order.
func jsonStrings(src []byte, f func(s string, key bool) error) error {
	return eachJSONString(src, func(start, end int, key bool) error {
		var s string
		if err := json.Unmarshal(src[start:end], &s); err != nil {
			return err
		}
		return f(s, key)
	})
}

// eachJSONString calls f with the bounds of every string token of the
// valid JSON text src (quotes included), and whether it is a key.
func eachJSONString(src []byte, f func(start, end int, key bool) error) error {
	for i := 0; i < len(src); i++ {
		if src[i] != '"' {
			continue
		}
		start := i
		for i++; i < len(src) && src[i] != '"'; i++ {
			if src[i] == '\\' {
				i++
			}
		}
		end := i + 1
		rest := bytes.TrimLeft(src[min(end, len(src)):], " \t\r\n")
		if err := f(start, end, len(rest) > 0 && rest[0] == ':'); err != nil {
			return err
		}
	}
	return nil
}

// checkGroups checks that the groups a rule's reply names are groups of its
// regexp pattern (without compiling it), or that there is a regexp at all.
func checkGroups(phs []placeholder, pattern string, isRegexp bool) error {
	var re *syntax.Regexp
	for _, ph := range phs {
		if ph.isPath {
			continue
		}
		if !isRegexp {
			return fmt.Errorf("the reply names a regexp group (%s) but the rule matches no regexp", ph.text())
		}
		if re == nil {
			var err error
			if re, err = syntax.Parse(pattern, syntax.Perl); err != nil {
				return nil // the matcher's own check reports it
			}
		}
		if ph.name == "" && ph.group > re.MaxCap() {
			return fmt.Errorf("the reply names group %d, but the regexp has %d", ph.group, re.MaxCap())
		}
		if ph.name != "" && !slices.Contains(re.CapNames(), ph.name) {
			return fmt.Errorf("the reply names group %q, which the regexp does not have", ph.name)
		}
	}
	return nil
}

// text is the placeholder as written, for errors.
func (ph placeholder) text() string {
	switch {
	case ph.isPath:
		var b strings.Builder
		b.WriteString("{{$")
		for _, st := range ph.path {
			if st.member != "" {
				b.WriteString("." + st.member)
			} else {
				fmt.Fprintf(&b, "[%d]", st.index)
			}
		}
		return b.String() + "}}"
	case ph.name != "":
		return "{{" + ph.name + "}}"
	}
	return "{{" + strconv.Itoa(ph.group) + "}}"
}

// captured is what a rule captured from a message for its reply: the
// message, its regexp's groups, and its JSON, decoded when first needed.
type captured struct {
	msg    wsdouble.Message
	groups [][]byte // the submatches of the rule's regexp, or nil
	names  []string // the regexp's group names, by number
	doc    json.RawMessage
	docErr error
}

// value returns a placeholder's value as JSON and as text, or false when
// the message has no such value.
func (c *captured) value(ph placeholder) (raw json.RawMessage, text string, ok bool) {
	if !ph.isPath {
		g := ph.group
		if ph.name != "" {
			g = slices.Index(c.names, ph.name) // names are not empty
		}
		if g < 0 || g >= len(c.groups) {
			return nil, "", false
		}
		s := string(c.groups[g])
		return marshalValue(s), s, true
	}
	if c.doc == nil && c.docErr == nil {
		if c.msg.Type != wsdouble.TextMessage || !json.Valid(c.msg.Data) {
			c.docErr = errors.New("not JSON")
		} else {
			c.doc = c.msg.Data
		}
	}
	if c.docErr != nil {
		return nil, "", false
	}
	v, ok := walk(c.doc, ph.path)
	if !ok {
		return nil, "", false
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return v, s, true
	}
	var buf bytes.Buffer
	json.Compact(&buf, v)
	return buf.Bytes(), buf.String(), true
}

// walk returns the value at path in doc, raw, as the message has it.
func walk(doc json.RawMessage, path []pathStep) (json.RawMessage, bool) {
	for _, st := range path {
		if st.member != "" {
			var obj map[string]json.RawMessage
			if json.Unmarshal(doc, &obj) != nil {
				return nil, false
			}
			v, ok := obj[st.member]
			if !ok {
				return nil, false
			}
			doc = v
			continue
		}
		var arr []json.RawMessage
		if json.Unmarshal(doc, &arr) != nil || st.index >= len(arr) {
			return nil, false
		}
		doc = arr[st.index]
	}
	return bytes.TrimSpace(doc), true
}

// fill returns the reply for the captured message, or false when the
// message lacks a value the reply takes.
func (rp Reply) fill(c *captured) (wsdouble.Message, bool) {
	switch {
	case rp.Message.Type == wsdouble.BinaryMessage:
		return rp.Message, true
	case !rp.JSON:
		s, ok := fillText(string(rp.Message.Data), c)
		return wsdouble.Text(s), ok
	}
	src := rp.Message.Data
	var out []byte
	last := 0
	err := eachJSONString(src, func(start, end int, key bool) error {
		var s string
		json.Unmarshal(src[start:end], &s) // valid: checked by validate
		if !strings.Contains(s, "{{") {
			return nil
		}
		out = append(out, src[last:start]...)
		last = end
		if ph, whole := onePlaceholder(s); whole && !key {
			raw, _, ok := c.value(ph)
			if !ok {
				return errMissing
			}
			out = append(out, raw...)
			return nil
		}
		filled, ok := fillText(s, c)
		if !ok {
			return errMissing
		}
		out = append(out, marshalValue(filled)...)
		return nil
	})
	if err != nil {
		return wsdouble.Message{}, false
	}
	out = append(out, src[last:]...)
	return wsdouble.Text(string(out)), true
}

var errMissing = errors.New("a value is missing")

// onePlaceholder reports whether s is one placeholder and nothing else.
func onePlaceholder(s string) (placeholder, bool) {
	if !strings.HasPrefix(s, "{{") || !strings.HasSuffix(s, "}}") || strings.Count(s, "{{") != 1 {
		return placeholder{}, false
	}
	ph, err := parsePlaceholder(s[2 : len(s)-2])
	return ph, err == nil
}

// fillText replaces the placeholders of s with their values' text.
func fillText(s string, c *captured) (string, bool) {
	var b strings.Builder
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return "", false
		}
		ph, err := parsePlaceholder(s[i+2 : i+j])
		if err != nil {
			return "", false
		}
		_, text, ok := c.value(ph)
		if !ok {
			return "", false
		}
		b.WriteString(s[:i])
		b.WriteString(text)
		s = s[i+j+2:]
	}
}
