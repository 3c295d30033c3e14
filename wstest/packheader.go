package wstest

import (
	"encoding/binary"
	"net/http"
)

// packedHeader is an http.Header kept in the attempt log as one string
// with no pointers inside: every key, then its values, each preceded by
// its length (a uvarint), behind a leading 1 that tells an empty header
// from none (""). A Server keeps one per attempt for the life of the test,
// and the garbage collector marks each one as a single object, where a
// cloned map costs it a dozen; Attempts unpacks it into a fresh map, so a
// caller that changes the map it gets cannot change the log.
//
// What it saves, BenchmarkConnect/memory and /loopback with 3,000 attempts
// in the log (-benchtime 3000x, 10 interleaved runs, Go 1.26, 2 shared
// cores), against Header: r.Header.Clone() kept in the record and cloned
// again by Attempts: heap objects kept per attempt 3.0 against 11.4, and
// the garbage collector's CPU (runtime/metrics /cpu/classes/gc/total) 8.2
// against 15.0 µs per connect over memory and 10.9 against 22.0 µs over
// loopback (p < 0.01): about 10% of an in-memory connect's CPU and 5% of
// a loopback one's. The benchmark's own sec/op and cpu-ns/op do not
// resolve that much on a busy machine, so the GC's CPU is the figure to
// check it by.
type packedHeader string

func packHeader(h http.Header) packedHeader {
	if h == nil {
		return ""
	}
	n := 1
	for k, vv := range h {
		n += binary.MaxVarintLen64 * (2 + len(vv))
		n += len(k)
		for _, v := range vv {
			n += len(v)
		}
	}
	b := make([]byte, 1, n)
	b[0] = 1
	for k, vv := range h {
		b = appendString(b, k)
		b = binary.AppendUvarint(b, uint64(len(vv)))
		for _, v := range vv {
			b = appendString(b, v)
		}
	}
	return packedHeader(b)
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// unpack returns the header packHeader was given, as a new map whose
// strings share the packed one's memory.
func (p packedHeader) unpack() http.Header {
	if p == "" {
		return nil
	}
	s := string(p[1:])
	h := http.Header{}
	for len(s) > 0 {
		k := nextString(&s)
		nv := nextUvarint(&s)
		vv := make([]string, nv)
		for i := range vv {
			vv[i] = nextString(&s)
		}
		h[k] = vv
	}
	return h
}

// nextUvarint and nextString read what packHeader wrote; they are never
// given anything else, so they need not report malformed input.
func nextUvarint(s *string) uint64 {
	var x uint64
	for shift := 0; ; shift += 7 {
		c := (*s)[0]
		*s = (*s)[1:]
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return x
		}
	}
}

func nextString(s *string) string {
	n := nextUvarint(s)
	v := (*s)[:n]
	*s = (*s)[n:]
	return v
}
