package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// structBytes is what a script's own structures take, its attempts and
// their steps, without what they point to: a floor under any parse of it,
// which the file's size does not bound (an Attempt is 104 bytes; a file can
// say one in 12).
func structBytes(s *Script) uint64 {
	if s == nil {
		return 0
	}
	n := uint64(cap(s.Attempts)) * uint64(unsafe.Sizeof(Attempt{}))
	for _, a := range s.Attempts {
		n += uint64(cap(a.Steps)) * uint64(unsafe.Sizeof(Step{}))
	}
	return n
}

// scriptOfSteps is a script of one attempt with n copies of step.
func scriptOfSteps(n int, step string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"version": 1, "attempts": [{"accept": {}, "steps": [`)
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString(step)
	}
	b.WriteString("]}]}")
	return b.Bytes()
}

// heapPeak runs f with the garbage collector set to gcPercent, and
// returns the most that the metric grew meanwhile, as a sampler saw it,
// and the bytes f allocated in all.
func heapPeak(f func(), gcPercent int, metric string) (peak, allocated uint64) {
	defer debug.SetGCPercent(debug.SetGCPercent(gcPercent))
	runtime.GC()
	read := func() uint64 {
		s := []metrics.Sample{{Name: metric}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	base := read()
	top := base
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			top = max(top, read())
			select {
			case <-stop:
				return
			default:
				runtime.Gosched()
			}
		}
	}()
	f()
	close(stop)
	<-done
	runtime.ReadMemStats(&after)
	return top - base, after.TotalAlloc - before.TotalAlloc
}

// TestParseHeap: Parse's heap peaks at about 20 times the script's size
// at most, whatever the script is made of: what it keeps alive at once
// (the live heap) stays under 10 times, and the garbage collector's default
// pacing lets the heap grow to twice that. Where the Script's own
// structures are most of it (many attempts: 6.5 times the file), the live
// heap may be those plus 6 times the file: the parse's own overhead, which
// is what the test watches (copying the attempts out of chunks once made
// it 13 times, and it measures 2.6 to 4.6 under load). Before, a node per JSON value,
// the regexps compiled while parsing, the tree of the whole file living
// beside the Script and buffers grown by append made the peak 33 to 93
// times (8 MiB of 1 KiB regexps: 93×, 750 MB; JSON values: 59×).
func TestParseHeap(t *testing.T) {
	switch {
	case testing.Short():
		t.Skip("parses megabytes")
	case raceEnabled:
		t.Skip("the race detector changes what is allocated on the heap")
	}
	const size = 1 << 20
	re := `{"expect": {"regexp": "^` + strings.Repeat("[a-z]+x", 140) + `$"}}`
	for _, tt := range []struct {
		name string
		src  []byte
	}{
		{"1 KiB regexps", scriptOfSteps(size/len(re), re)},
		{"short regexps", scriptOfSteps(size/40, `{"expect": {"regexp": "^ack [0-9]+$"}}`)},
		{"small sends", scriptOfSteps(size/24, `{"send": {"text": "hi"}}`)},
		{"JSON expects", scriptOfSteps(size/40, `{"expect": {"json": {"op": "sub", "id": 1}}}`)},
		{"one large JSON value", scriptOfSteps(1, `{"send": {"json": [`+strings.Repeat(`{"a":1},`, size/8)+`0]}}`)},
		{"one large text", scriptOfSteps(1, `{"send": {"text": "`+strings.Repeat("a", size)+`"}}`)},
		{"one large binary", scriptOfSteps(1, `{"send": {"binary": "`+strings.Repeat("AAAA", size/4)+`"}}`)},
		{"many attempts", []byte(`{"version": 1, "attempts": [` + strings.Repeat(`{"accept": {}},`, size/16) + `{"hang": {}}]}`)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			var own uint64
			parse := func() {
				var s *Script
				s, err = Parse(bytes.NewReader(tt.src))
				own = structBytes(s)
			}
			// Samples see a collection late rather than early: the least
			// of three runs is the figure.
			live, peak, alloc := uint64(math.MaxUint64), uint64(math.MaxUint64), uint64(0)
			for range 3 {
				// The live heap, with collections frequent enough to see
				// it.
				l, _ := heapPeak(parse, 5, "/gc/heap/live:bytes")
				if err != nil {
					t.Fatal(err)
				}
				// The heap as it grows with the default pacing, garbage
				// included.
				p, a := heapPeak(parse, 100, "/memory/classes/heap/objects:bytes")
				live, peak, alloc = min(live, l), min(peak, p), a
			}
			size := float64(len(tt.src))
			t.Logf("%.1f MiB: live heap %.1f× its size, heap peak %.1f×, %.1f× allocated in all",
				size/(1<<20), float64(live)/size, float64(peak)/size, float64(alloc)/size)
			if limit := max(10*size, float64(own)+6*size); float64(live) > limit {
				t.Errorf("the live heap peaked at %.1f times the script's size, want at most %.1f (its structures take %.1f)",
					float64(live)/size, limit/size, float64(own)/size)
			}
			// The peak depends on when the collector runs: a margin over
			// twice the live heap keeps the check from flaking.
			if float64(peak) > 25*size {
				t.Errorf("the heap peaked at %.1f times the script's size, want about 20", float64(peak)/size)
			}
		})
	}
}

// refCompact writes src's one JSON value as node.raw does, with
// encoding/json's tokenizer: the reference the tree parser is held to.
func refCompact(src []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var out []byte
	var first []bool // per open container: no element yet
	inObject := []bool{}
	expectKey := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			out = append(out, byte(d))
			first, inObject = first[:len(first)-1], inObject[:len(inObject)-1]
			expectKey = len(inObject) > 0 && inObject[len(inObject)-1]
			continue
		}
		if n := len(first); n > 0 {
			if !first[n-1] && (!inObject[n-1] || expectKey) {
				out = append(out, ',')
			}
			first[n-1] = false
		}
		switch t := tok.(type) {
		case json.Delim:
			out = append(out, byte(t))
			first, inObject = append(first, true), append(inObject, t == '{')
			expectKey = t == '{'
			continue
		case string:
			out = append(out, marshalValue(t)...)
		case json.Number:
			out = append(out, t...)
		case bool:
			out = append(out, []byte(map[bool]string{true: "true", false: "false"}[t])...)
		case nil:
			out = append(out, "null"...)
		}
		if n := len(inObject); n > 0 && inObject[n-1] {
			if expectKey {
				out = append(out, ':')
			}
			expectKey = !expectKey
		}
	}
}

// FuzzTreeParser: the tree parser accepts what encoding/json accepts (but
// duplicate keys and nesting deeper than maxDepth, which it refuses), and
// writes it back as encoding/json's tokens would be written, trees and
// raw values alike.
func FuzzTreeParser(f *testing.F) {
	for _, s := range []string{
		`{"a": [1, -2.5e3, true, false, null, "x\u00e9\ud83d\ude00\n"]}`,
		`[[[[[[[{"deep": ["\u2028", "\ud800", "a\\/b"]}]]]]]]]`,
		`{"version": 1, "attempts": [{"accept": {}, "steps": [{"send": {"json": {"b": 1, "a": [2, {"c": "\t"}]}}}]}]}`,
		`"\u0000\u001f<>&"`, `0`, `-0.0E+1`, `{"a":1,"a":2}`, `[01]`, `[1.]`, `tru`, "\"\xff\"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		// A hang is a failure: the fuzzing engine would only stall on it.
		hang := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("parseTree hangs on %q", src)) })
		defer hang.Stop()
		n, err := parseTree(src)
		want, refErr := refCompact(src)
		if refErr == nil && !json.Valid(src) {
			refErr = errors.New("not valid")
		}
		switch {
		case err != nil && refErr == nil:
			if msg := err.Error(); !strings.Contains(msg, "duplicate key") && !strings.Contains(msg, "nested more than") {
				t.Fatalf("parseTree refused what encoding/json accepts: %v\n%q", err, src)
			}
		case err == nil && refErr != nil:
			t.Fatalf("parseTree accepted what encoding/json refuses (%v):\n%q", refErr, src)
		case err == nil:
			if got := n.raw(); !bytes.Equal(got, want) {
				t.Fatalf("raw:\n got %s\nwant %s\ninput %q", got, want, src)
			}
		}
	})
}

// TestAppendJSONString: the parser writes strings as marshalValue does.
func TestAppendJSONString(t *testing.T) {
	var all strings.Builder
	for r := rune(0); r < 0x3000; r++ {
		all.WriteRune(r)
	}
	for _, s := range []string{"", "plain", "\"\\/\b\f\n\r\t\x00\x1f\x7f<>&", "\u2028\u2029é😀", all.String()} {
		if got, want := string(appendJSONString(nil, s)), string(marshalValue(s)); got != want {
			t.Errorf("appendJSONString(%q):\n got %s\nwant %s", s, got, want)
		}
	}
}
