package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// A node is a JSON value with the position where it starts, so that errors
// in a script file can name the line and column.
type node struct {
	off  int64
	kind byte // '{', '[', '"', '0' (number), 't' (bool), 'n' (null)

	str  string      // '"'
	num  json.Number // '0'
	b    bool        // 't'
	keys []member    // '{', in file order
	elem []*node     // '['
}

type member struct {
	name string
	off  int64
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
	for _, m := range n.keys {
		if m.name == name {
			return m.val
		}
	}
	return nil
}

// maxDepth bounds nesting, so that a hostile file cannot exhaust the stack.
const maxDepth = 200

// parseTree reads one JSON value, and nothing after it but whitespace.
type treeParser struct {
	src []byte
	dec *json.Decoder
}

func parseTree(src []byte) (*node, error) {
	p := &treeParser{src: src, dec: json.NewDecoder(bytes.NewReader(src))}
	p.dec.UseNumber()
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, &posError{off: p.start(), msg: "unexpected data after the end of the script"}
	}
	return n, nil
}

// start returns the offset of the next token: the decoder's offset, past
// whitespace and separators.
func (p *treeParser) start() int64 {
	off := p.dec.InputOffset()
	for off < int64(len(p.src)) {
		switch p.src[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func (p *treeParser) token() (json.Token, int64, error) {
	off := p.start()
	tok, err := p.dec.Token()
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, se.Offset, &posError{off: max(se.Offset-1, 0), msg: se.Error()}
		}
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, off, &posError{off: int64(len(p.src)), msg: "unexpected end of the script"}
		}
		return nil, off, &posError{off: off, msg: err.Error()}
	}
	return tok, off, nil
}

func (p *treeParser) value(depth int) (*node, error) {
	tok, off, err := p.token()
	if err != nil {
		return nil, err
	}
	return p.fromToken(tok, off, depth)
}

func (p *treeParser) fromToken(tok json.Token, off int64, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, &posError{off: off, msg: fmt.Sprintf("nested more than %d deep", maxDepth)}
	}
	n := &node{off: off}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n.kind = '{'
			seen := map[string]bool{}
			for p.dec.More() {
				ktok, koff, err := p.token()
				if err != nil {
					return nil, err
				}
				name, ok := ktok.(string)
				if !ok {
					return nil, &posError{off: koff, msg: "object key is not a string"}
				}
				if seen[name] {
					return nil, &posError{off: koff, msg: fmt.Sprintf("duplicate key %q", name)}
				}
				seen[name] = true
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, member{name: name, off: koff, val: v})
			}
			if _, _, err := p.token(); err != nil { // '}'
				return nil, err
			}
		case '[':
			n.kind = '['
			for p.dec.More() {
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.elem = append(n.elem, v)
			}
			if _, _, err := p.token(); err != nil { // ']'
				return nil, err
			}
		default:
			return nil, &posError{off: off, msg: fmt.Sprintf("unexpected %q", rune(t))}
		}
	case string:
		n.kind, n.str = '"', t
	case json.Number:
		n.kind, n.num = '0', t
	case bool:
		n.kind, n.b = 't', t
	case nil:
		n.kind = 'n'
	}
	return n, nil
}

// raw re-encodes n as compact JSON, keys in file order.
func (n *node) raw() json.RawMessage {
	var buf bytes.Buffer
	n.write(&buf)
	return buf.Bytes()
}

func (n *node) write(buf *bytes.Buffer) {
	switch n.kind {
	case '{':
		buf.WriteByte('{')
		for i, m := range n.keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(marshalValue(m.name))
			buf.WriteByte(':')
			m.val.write(buf)
		}
		buf.WriteByte('}')
	case '[':
		buf.WriteByte('[')
		for i, e := range n.elem {
			if i > 0 {
				buf.WriteByte(',')
			}
			e.write(buf)
		}
		buf.WriteByte(']')
	case '"':
		buf.Write(marshalValue(n.str))
	case '0':
		buf.WriteString(n.num.String())
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
