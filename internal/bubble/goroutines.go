package bubble

import (
	"bytes"
	"runtime"
	"strconv"
)

// Goroutine is one goroutine of a bubble, as the runtime's traceback shows
// it.
type Goroutine struct {
	// ID is the goroutine's number.
	ID int
	// State is what it is doing: "chan receive (durable)", "sleep
	// (durable)", "select".
	State string
	// Stack is its traceback, header line included.
	Stack string
}

// maxStacks bounds the buffer Goroutines reads the tracebacks into: past
// it, the goroutines the buffer could not hold are left out.
const maxStacks = 64 << 20

// Goroutines returns the goroutines of bubble id that are alive now, the
// calling one included, in the order the runtime lists them. Like ID, it
// reads the bubble from the traceback headers ("goroutine 7 [chan receive
// (durable), synctest bubble 1]:"), the only place the runtime exposes
// it. It stops the world for as long as the tracebacks take to write, so
// it is for checks at the end of a test, not for hot paths.
func Goroutines(id int) []Goroutine {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) || len(buf) >= maxStacks {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []Goroutine
	for block := range bytes.SplitSeq(buf, []byte("\n\n")) {
		if g, ok := parse(block, id); ok {
			out = append(out, g)
		}
	}
	return out
}

// parse reads one goroutine's traceback, and reports whether it belongs to
// bubble id.
func parse(block []byte, id int) (Goroutine, bool) {
	block = bytes.TrimSpace(block)
	header, _, _ := bytes.Cut(block, []byte("\n"))
	rest, ok := bytes.CutPrefix(header, []byte("goroutine "))
	if !ok {
		return Goroutine{}, false
	}
	num, rest, ok := bytes.Cut(rest, []byte(" ["))
	if !ok {
		return Goroutine{}, false
	}
	state, _, ok := bytes.Cut(rest, []byte("]:"))
	if !ok {
		return Goroutine{}, false
	}
	const marker = ", synctest bubble "
	i := bytes.LastIndex(state, []byte(marker))
	if i < 0 || string(state[i+len(marker):]) != strconv.Itoa(id) {
		return Goroutine{}, false
	}
	n, err := strconv.Atoi(string(num))
	if err != nil {
		return Goroutine{}, false
	}
	return Goroutine{ID: n, State: string(state[:i]), Stack: string(block)}, true
}
