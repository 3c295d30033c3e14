package wstest

// history is an append-only list kept in chunks, so that a long test (or a
// benchmark) appending millions of entries never copies them. Chunks start
// small, since most sockets see a handful of events, and grow to 256.
type history[T any] struct {
	chunks [][]T
	n      int
}

func (h *history[T]) add(v T) {
	if len(h.chunks) == 0 || len(h.chunks[len(h.chunks)-1]) == cap(h.chunks[len(h.chunks)-1]) {
		size := 4 << len(h.chunks)
		if len(h.chunks) > 6 {
			size = 256
		}
		h.chunks = append(h.chunks, make([]T, 0, size))
	}
	last := &h.chunks[len(h.chunks)-1]
	*last = append(*last, v)
	h.n++
}

// all returns a copy of every entry, in order.
func (h *history[T]) all() []T {
	out := make([]T, 0, h.n)
	for _, c := range h.chunks {
		out = append(out, c...)
	}
	return out
}
