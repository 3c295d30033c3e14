package scenario

import (
	"io"
	"strings"
	"testing"
)

// spaces is an endless reader of JSON whitespace: a valid document never
// ends it, so only the size limit can.
type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// TestReadLimits feeds Parse and FromHAR more than they read, with their
// limits made small: each stops at its limit and says so, rather than
// reading on; at the limit, the size is not the problem.
func TestReadLimits(t *testing.T) {
	const limit = 4096
	for _, tc := range []struct {
		name string
		read func(io.Reader) (*Script, error)
		want string
	}{
		{"Parse", func(r io.Reader) (*Script, error) { return parseReader(r, limit) },
			"scenario: the script is larger than 4096 bytes"},
		{"FromHAR", func(r io.Reader) (*Script, error) { return fromHAR(r, limit, nil) },
			"scenario: FromHAR: the file is larger than 4096 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, in := range []struct {
				what string
				r    io.Reader
			}{
				{"one byte over the limit", io.LimitReader(spaces{}, limit+1)},
				{"an endless input", spaces{}},
			} {
				if s, err := tc.read(in.r); err == nil || err.Error() != tc.want {
					t.Errorf("%s: got %v, %v, want %q", in.what, s, err, tc.want)
				}
			}
			// Whitespace alone is not a document, but its size is fine.
			if _, err := tc.read(io.LimitReader(spaces{}, limit)); err == nil || strings.Contains(err.Error(), "larger than") {
				t.Errorf("at the limit: got %v, want an error that is not about the size", err)
			}
		})
	}
	if maxScriptSize != 64<<20 || maxHARSize != 256<<20 {
		t.Errorf("limits: Parse %d, FromHAR %d; SECURITY.md says 64 MiB and 256 MiB", maxScriptSize, maxHARSize)
	}
}
