package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// A node is a JSON value with the position where it starts, so that errors
// in a script file can name the line and column.
//
// A script's tree is built for the parts the decoder reads field by field;
// an object or array deeper than treeDepth (the value of a "json" field, say)
// is only ever written back out, so it is kept as its compact JSON text
// instead of a tree: that keeps a script's heap within a small multiple of
// its size (TestParseHeap), where a node per value cost ~90 times it.
type node struct {
	off  int32 // scripts are at most maxScriptSize bytes
	kind byte  // '{', '[', '"', '0' (number), 't' (bool), 'n' (null)
	b    bool  // 't'

	// str is a string's value, a number's text, or for an object or
	// array deeper than treeDepth its compact JSON text (and kids is
	// nil).
	str  string
	kids []member // '{' in file order; '[' with empty names
}

// number returns a number's text.
func (n *node) number() json.Number { return json.Number(n.str) }

type member struct {
	name string
	off  int32
	val  *node
}

func (n *node) kindName() string {
	switch n.kind {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't':
		return "a boolean"
	}
	return "null"
}

// get returns the member named name, or nil.
func (n *node) get(name string) *node {
	if n.kind != '{' {
		return nil
	}
	for _, m := range n.kids {
		if m.name == name {
			return m.val
		}
	}
	return nil
}

// maxDepth bounds nesting, so that a hostile file cannot exhaust the stack.
const maxDepth = 200

// treeDepth is the depth from which objects and arrays are kept as raw
// JSON text: the script format's deepest object read field by field is a
// step's action value (root 0, attempts 1, attempt 2, steps 3, step 4,
// action 5); at 6 are its fields, of which only "json" may be a container.
const treeDepth = 6

// treeParser reads one JSON value (RFC 8259), and nothing after it but
// whitespace, into nodes. It reads a string made once from the source, so
// that keys and strings without escapes are substrings of it, not copies;
// what a Script keeps is cloned (decoder.str).
type treeParser struct {
	src  string
	pos  int
	buf  []byte // scratch for raw JSON
	sbuf []byte // scratch for unescaped strings
	// stack holds the members of the containers being read; each is
	// copied out once complete.
	stack memberStack
}

// memberStack is a stack of members kept in fixed chunks, so that a long
// array (a script of 300,000 steps) costs its size once more, not the
// five times its size that growing one slice by append leaves behind
// (TestParseHeap).
type memberStack struct {
	chunks [][]member
	n      int
}

const stackChunk = 1024

// list is a list built in chunks, doubling from 8 to stackChunk items,
// and copied out once: a long list costs its size twice at most, where
// append's growth leaves five times its size behind (TestParseHeap).
type list[T any] struct {
	chunks [][]T
	n      int
}

func (l *list[T]) push(v T) {
	if k := len(l.chunks); k == 0 || len(l.chunks[k-1]) == cap(l.chunks[k-1]) {
		size := stackChunk
		if k < 7 {
			size = 8 << k
		}
		l.chunks = append(l.chunks, make([]T, 0, size))
	}
	last := &l.chunks[len(l.chunks)-1]
	*last = append(*last, v)
	l.n++
}

// all returns the items in one slice; nil for none.
func (l *list[T]) all() []T {
	if l.n == 0 {
		return nil
	}
	out := make([]T, 0, l.n)
	for _, c := range l.chunks {
		out = append(out, c...)
	}
	return out
}

func (s *memberStack) push(m member) {
	c := s.n / stackChunk
	if c == len(s.chunks) {
		s.chunks = append(s.chunks, make([]member, stackChunk))
	}
	s.chunks[c][s.n%stackChunk] = m
	s.n++
}

func (s *memberStack) at(i int) *member { return &s.chunks[i/stackChunk][i%stackChunk] }

// pop returns a copy of the members pushed since the stack held base, and
// removes them.
func (s *memberStack) pop(base int) []member {
	if s.n == base {
		return nil
	}
	kids := make([]member, s.n-base)
	for i := range kids {
		m := s.at(base + i)
		kids[i], *m = *m, member{} // drop the references
	}
	s.n = base
	return kids
}

func newTreeParser(src []byte) (*treeParser, error) {
	if len(src) > math.MaxInt32 {
		return nil, &posError{off: 0, msg: "the script is too large"}
	}
	return &treeParser{src: string(src)}, nil
}

// parseTree reads src, one JSON value, into a tree.
func parseTree(src []byte) (*node, error) {
	p, err := newTreeParser(src)
	if err != nil {
		return nil, err
	}
	p.space()
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	return n, p.finish()
}

// finish checks that nothing but whitespace follows the value read.
func (p *treeParser) finish() error {
	p.space()
	if p.pos < len(p.src) {
		return &posError{off: int64(p.pos), msg: "unexpected data after the end of the script"}
	}
	return nil
}

// object reads an object at p.pos, at depth, for a decoder that reads it
// as it goes: member is called for each key, with p.pos at its value, and
// must read the value.
func (p *treeParser) object(depth int, member func(name string, off int) error) error {
	if depth > maxDepth {
		return p.tooDeep()
	}
	var keys keySet
	return p.members(keys.dup, member)
}

// members reads the object at p.pos: each member's key, which dup refuses
// when it is a duplicate, then its value, which value must read (p.pos at
// it). Objects read as they go, as trees and as raw text are all read
// with it.
func (p *treeParser) members(dup func(name string) bool, value func(name string, off int) error) error {
	return p.container('}', "object key:value pair", func() error {
		if p.pos >= len(p.src) || p.src[p.pos] != '"' {
			return p.invalid("looking for beginning of object key string")
		}
		off := p.pos
		name, err := p.string()
		if err != nil {
			return err
		}
		if dup(name) {
			return &posError{off: int64(off), msg: fmt.Sprintf("duplicate key %q", name)}
		}
		p.space()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return p.invalid("after object key")
		}
		p.pos++
		p.space()
		if p.pos >= len(p.src) {
			return p.end()
		}
		return value(name, off)
	})
}

// keySet holds the keys of an object read, for duplicates: a list, and a
// map once there are many.
type keySet struct {
	keys []string
	seen map[string]bool
}

// dup reports whether name is a key already read, and adds it.
func (s *keySet) dup(name string) bool {
	if s.seen != nil {
		dup := s.seen[name]
		s.seen[name] = true
		return dup
	}
	if slices.Contains(s.keys, name) {
		return true
	}
	s.keys = append(s.keys, name)
	if len(s.keys) > 16 {
		s.seen = make(map[string]bool, 2*len(s.keys))
		for _, k := range s.keys {
			s.seen[k] = true
		}
	}
	return false
}

// streamed reads the value at p.pos, at depth, for a decoder that reads
// an object's array member named name as it goes: elem is called with
// p.pos at each of its elements, and must read it. The object's other
// members are read as trees into the node returned, where the array's
// node stays empty. A value that is not an object is read as a tree.
func (p *treeParser) streamed(depth int, name string, sized func(n int), elem func(i int) error) (*node, error) {
	if p.src[p.pos] != '{' {
		return p.value(depth)
	}
	n := &node{off: int32(p.pos), kind: '{'}
	err := p.object(depth, func(key string, off int) error {
		if key != name || p.src[p.pos] != '[' {
			v, err := p.value(depth + 1)
			if err == nil {
				n.kids = append(n.kids, member{name: key, off: int32(off), val: v})
			}
			return err
		}
		n.kids = append(n.kids, member{name: key, off: int32(off), val: &node{off: int32(p.pos), kind: '['}})
		if sized != nil {
			sized(elements(p.src, p.pos))
		}
		return p.array(depth+1, elem)
	})
	return n, err
}

// elements counts the elements of the array that starts at src[pos], from
// its commas outside strings and nested values, without reading them: a
// first guess, exact for a well-formed array, for a decoder that sizes its
// result once rather than growing it.
func elements(src string, pos int) int {
	n, depth, empty := 0, 0, true
	for i := pos; i < len(src); i++ {
		switch src[i] {
		case ' ', '\t', '\r', '\n':
			continue
		case '"':
			i = stringEnd(src, i)
		case '[', '{':
			depth++
		case ']', '}':
			if depth--; depth == 0 {
				if !empty {
					n++
				}
				return n
			}
		case ',':
			if depth == 1 {
				n++
			}
		}
		if i > pos {
			empty = false
		}
	}
	return n
}

// stringEnd returns the index of the quote that ends the string whose
// opening quote is src[i], or len(src) if it does not end.
func stringEnd(src string, i int) int {
	for i++; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(src)
}

// array reads an array at p.pos, at depth, for a decoder that reads it as
// it goes: elem is called with p.pos at each element, and must read it.
func (p *treeParser) array(depth int, elem func(i int) error) error {
	if depth > maxDepth {
		return p.tooDeep()
	}
	i := 0
	return p.container(']', "array element", func() error {
		if p.pos >= len(p.src) {
			return p.end()
		}
		i++
		return elem(i - 1)
	})
}

// space skips JSON whitespace.
func (p *treeParser) space() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\r', '\n':
			p.pos++
		default:
			return
		}
	}
}

func (p *treeParser) end() error {
	return &posError{off: int64(len(p.src)), msg: "unexpected end of the script"}
}

func (p *treeParser) tooDeep() error {
	return &posError{off: int64(p.pos), msg: fmt.Sprintf("nested more than %d deep", maxDepth)}
}

// start checks that a value may start at p.pos, at depth: that it is not
// nested too deep, nor past the end.
func (p *treeParser) start(depth int) error {
	if depth > maxDepth {
		return p.tooDeep()
	}
	if p.pos >= len(p.src) {
		return p.end()
	}
	return nil
}

// invalid reports the character at p.pos, in encoding/json's words.
func (p *treeParser) invalid(context string) error {
	if p.pos >= len(p.src) {
		return p.end()
	}
	c := p.src[p.pos]
	return &posError{off: int64(p.pos), msg: "invalid character " + quoteChar(c) + " " + context}
}

// quoteChar formats c as encoding/json's syntax errors do.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

// value reads the value at p.pos, which follows any whitespace.
func (p *treeParser) value(depth int) (*node, error) {
	if err := p.start(depth); err != nil {
		return nil, err
	}
	n := &node{off: int32(p.pos)}
	var err error
	switch c := p.src[p.pos]; {
	case (c == '{' || c == '[') && depth >= treeDepth:
		n.kind = c
		if p.buf, err = p.raw(p.buf[:0], depth); err == nil {
			n.str = string(p.buf)
		}
	case c == '{':
		n.kind = '{'
		n.kids, err = p.objectKids(depth)
	case c == '[':
		n.kind = '['
		n.kids, err = p.arrayKids(depth)
	default:
		var s string
		if n.kind, s, err = p.scalar(); n.kind == 't' {
			n.b = s == "true"
		} else if n.kind != 'n' {
			n.str = s
		}
	}
	if err != nil {
		return nil, err
	}
	return n, nil
}

// objectKids reads the members of the object at p.pos into nodes.
func (p *treeParser) objectKids(depth int) ([]member, error) {
	base := p.stack.n
	// Objects of the tree have a handful of keys; one with many (headers)
	// is searched the same way, as a script is bounded.
	dup := func(name string) bool {
		for i := base; i < p.stack.n; i++ {
			if p.stack.at(i).name == name {
				return true
			}
		}
		return false
	}
	err := p.members(dup, func(name string, off int) error {
		v, err := p.value(depth + 1)
		if err != nil {
			return err
		}
		p.stack.push(member{name: name, off: int32(off), val: v})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p.stack.pop(base), nil
}

// arrayKids reads the elements of the array at p.pos into nodes.
func (p *treeParser) arrayKids(depth int) ([]member, error) {
	base := p.stack.n
	err := p.container(']', "array element", func() error {
		off := p.pos
		v, err := p.value(depth + 1)
		if err != nil {
			return err
		}
		p.stack.push(member{off: int32(off), val: v})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p.stack.pop(base), nil
}

// scalar reads the string, number or literal at p.pos, and returns its
// kind ('"', '0', 't' for true and false, 'n') and its text: a string's
// value, unescaped.
func (p *treeParser) scalar() (kind byte, text string, err error) {
	switch c := p.src[p.pos]; {
	case c == '"':
		text, err = p.string()
		return '"', text, err
	case c == '-' || c >= '0' && c <= '9':
		text, err = p.number()
		return '0', text, err
	}
	if text, err = p.literal(); text == "null" {
		return 'n', text, err
	}
	return 't', text, err
}

// container reads an object or an array at p.pos: its opening delimiter,
// elements read by elem (at the first character of each, after
// whitespace), separators and the closing delimiter.
func (p *treeParser) container(closing byte, what string, elem func() error) error {
	p.pos++ // '{' or '['
	p.space()
	if p.pos < len(p.src) && p.src[p.pos] == closing {
		p.pos++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		p.space()
		if p.pos >= len(p.src) {
			return p.end()
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
			p.space()
		case closing:
			p.pos++
			return nil
		default:
			return p.invalid("after " + what)
		}
	}
}

// raw appends the value at p.pos to out as compact JSON, keys in file
// order, strings written as encoding/json writes them (without HTML
// escapes), as node.write does for a tree.
func (p *treeParser) raw(out []byte, depth int) ([]byte, error) {
	if err := p.start(depth); err != nil {
		return nil, err
	}
	switch p.src[p.pos] {
	case '{':
		return p.rawObject(out, depth)
	case '[':
		return p.rawArray(out, depth)
	}
	kind, s, err := p.scalar()
	switch {
	case err != nil:
		return out, err
	case kind == '"':
		return appendJSONString(out, s), nil
	}
	return append(out, s...), nil
}

func (p *treeParser) rawObject(out []byte, depth int) ([]byte, error) {
	out = append(out, '{')
	var keys keySet
	first := true
	err := p.members(keys.dup, func(name string, _ int) error {
		if !first {
			out = append(out, ',')
		}
		first = false
		out = appendJSONString(out, name)
		out = append(out, ':')
		var err error
		out, err = p.raw(out, depth+1)
		return err
	})
	return append(out, '}'), err
}

func (p *treeParser) rawArray(out []byte, depth int) ([]byte, error) {
	out = append(out, '[')
	first := true
	err := p.container(']', "array element", func() error {
		if !first {
			out = append(out, ',')
		}
		first = false
		var err error
		out, err = p.raw(out, depth+1)
		return err
	})
	return append(out, ']'), err
}

// literal reads true, false or null.
func (p *treeParser) literal() (string, error) {
	var lit string
	switch p.src[p.pos] {
	case 't':
		lit = "true"
	case 'f':
		lit = "false"
	case 'n':
		lit = "null"
	default:
		return "", p.invalid("looking for beginning of value")
	}
	for i := 1; i < len(lit); i++ {
		p.pos++
		if p.pos >= len(p.src) {
			return "", p.end()
		}
		if p.src[p.pos] != lit[i] {
			return "", p.invalid(fmt.Sprintf("in literal %s (expecting %s)", lit, quoteChar(lit[i])))
		}
	}
	p.pos++
	return lit, nil
}

// number reads a number (RFC 8259 §6) and returns its text.
func (p *treeParser) number() (string, error) {
	start := p.pos
	p.skip('-')
	if !p.skip('0') {
		if err := p.digits(); err != nil {
			return "", err
		}
	}
	if p.skip('.') {
		if err := p.digits(); err != nil {
			return "", err
		}
	}
	if p.skip('e') || p.skip('E') {
		if !p.skip('+') {
			p.skip('-')
		}
		if err := p.digits(); err != nil {
			return "", err
		}
	}
	return p.src[start:p.pos], nil
}

// skip moves past c when it is at p.pos, and reports whether it was.
func (p *treeParser) skip(c byte) bool {
	if p.pos < len(p.src) && p.src[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

// digits reads one or more decimal digits.
func (p *treeParser) digits() error {
	if p.pos >= len(p.src) {
		return p.end()
	}
	if c := p.src[p.pos]; c < '0' || c > '9' {
		return p.invalid("in numeric literal")
	}
	for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	return nil
}

// string reads a string at p.pos (its opening quote) and returns its
// value: a substring of the source when it has no escape, else the
// unescaped text. As encoding/json does, it turns invalid UTF-8 and lone
// surrogates into U+FFFD.
func (p *treeParser) string() (string, error) {
	p.pos++ // '"'
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '"':
			p.pos++
			return p.src[start : p.pos-1], nil
		case c >= utf8.RuneSelf:
			if r, size := utf8.DecodeRuneInString(p.src[p.pos:]); r != utf8.RuneError || size > 1 {
				p.pos += size
				continue
			}
			return p.slowString(start)
		case c == '\\' || c < ' ':
			return p.slowString(start)
		}
		p.pos++
	}
	return "", p.end()
}

// slowString reads on the string begun at start, p.pos at the first
// character that needs more than slicing the source: an escape, invalid
// UTF-8, or a control character (an error).
func (p *treeParser) slowString(start int) (string, error) {
	b := append(p.sbuf[:0], p.src[start:p.pos]...)
	defer func() { p.sbuf = b[:0] }()
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(b), nil
		case c < ' ':
			return "", p.invalid("in string literal")
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(p.src[p.pos:])
			b = utf8.AppendRune(b, r) // RuneError for invalid UTF-8
			p.pos += size
		case c != '\\':
			b = append(b, c)
			p.pos++
		default:
			var err error
			if b, err = p.escape(b); err != nil {
				return "", err
			}
		}
	}
	return "", p.end()
}

// escaped are the characters that a backslash and a letter stand for,
// by the letter, but for \u.
var escaped = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// escape appends to b what the escape at p.pos (its backslash) stands for,
// and moves past it.
func (p *treeParser) escape(b []byte) ([]byte, error) {
	p.pos++ // '\\'
	if p.pos >= len(p.src) {
		return b, p.end()
	}
	switch e := p.src[p.pos]; {
	case e == 'u':
		r, err := p.unicode()
		if err != nil {
			return b, err
		}
		b = utf8.AppendRune(b, r)
	case escaped[e] != 0:
		b = append(b, escaped[e])
	default:
		return b, p.invalid("in string escape code")
	}
	p.pos++
	return b, nil
}

// unicode reads the four hex digits of a \u escape, p.pos at the 'u', and
// the \u escape after them too when the two are a surrogate pair; it
// leaves p.pos at the last digit. A lone surrogate reads as U+FFFD (RFC
// 8259 §7 allows either reading).
func (p *treeParser) unicode() (rune, error) {
	r, err := p.hex4()
	if err != nil || !utf16.IsSurrogate(r) {
		return r, err
	}
	save := p.pos
	if p.pos+2 < len(p.src) && p.src[p.pos+1] == '\\' && p.src[p.pos+2] == 'u' {
		p.pos += 2
		if r2, err := p.hex4(); err == nil {
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				return dec, nil
			}
		}
	}
	p.pos = save
	return utf8.RuneError, nil
}

// hex4 reads the four hex digits after `\u`, p.pos at the 'u', and leaves
// p.pos at the last digit.
func (p *treeParser) hex4() (rune, error) {
	var r rune
	for range 4 {
		p.pos++
		if p.pos >= len(p.src) {
			return 0, p.end()
		}
		c := p.src[p.pos]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, p.invalid(`in \u hexadecimal character escape`)
		}
		r = r<<4 | rune(c)
	}
	return r, nil
}

// appendJSONString appends s, valid UTF-8, as a JSON string, escaped as
// encoding/json escapes it without HTML escapes (marshalValue): `"` and
// `\`, the control characters (\b, \f, \n, \r, \t by name), U+2028 and
// U+2029. TestAppendJSONString holds the two to the same output.
func appendJSONString(out []byte, s string) []byte {
	const hex = "0123456789abcdef"
	out = append(out, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= ' ' && c < utf8.RuneSelf && c != '"' && c != '\\' {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != '\u2028' && r != '\u2029' {
				i += size
				continue
			}
			out = append(out, s[start:i]...)
			out = append(out, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		out = append(out, s[start:i]...)
		switch c {
		case '"', '\\':
			out = append(out, '\\', c)
		case '\b':
			out = append(out, '\\', 'b')
		case '\f':
			out = append(out, '\\', 'f')
		case '\n':
			out = append(out, '\\', 'n')
		case '\r':
			out = append(out, '\\', 'r')
		case '\t':
			out = append(out, '\\', 't')
		default:
			out = append(out, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		i++
		start = i
	}
	out = append(out, s[start:]...)
	return append(out, '"')
}

// raw re-encodes n as compact JSON, keys in file order.
func (n *node) raw() json.RawMessage {
	if (n.kind == '{' || n.kind == '[') && n.str != "" {
		return json.RawMessage(n.str)
	}
	var buf bytes.Buffer
	n.write(&buf)
	return buf.Bytes()
}

func (n *node) write(buf *bytes.Buffer) {
	switch n.kind {
	case '{', '[':
		if n.str != "" {
			buf.WriteString(n.str)
			return
		}
		closing := byte('}')
		if n.kind == '[' {
			closing = ']'
		}
		buf.WriteByte(n.kind)
		for i, m := range n.kids {
			if i > 0 {
				buf.WriteByte(',')
			}
			if n.kind == '{' {
				buf.Write(appendJSONString(nil, m.name))
				buf.WriteByte(':')
			}
			m.val.write(buf)
		}
		buf.WriteByte(closing)
	case '"':
		buf.Write(appendJSONString(nil, n.str))
	case '0':
		buf.WriteString(n.str)
	case 't':
		if n.b {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
	default:
		buf.WriteString("null")
	}
}

// posError is an error at an offset of the source, before it is given a
// line and column.
type posError struct {
	off int64
	msg string
}

func (e *posError) Error() string { return e.msg }

// lineCol converts a byte offset into a 1-based line and column (in bytes).
func lineCol(src []byte, off int64) (line, col int) {
	if off > int64(len(src)) {
		off = int64(len(src))
	}
	line, col = 1, 1
	for _, c := range src[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
