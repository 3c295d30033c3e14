package scenario_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/wsdouble/wsdouble/scenario"
)

func addFiles(f *testing.F, pattern string) {
	files, _ := filepath.Glob(pattern)
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzParse: Parse never panics or hangs, and whatever it accepts writes
// back and parses again to the same file.
func FuzzParse(f *testing.F) {
	addFiles(f, "testdata/scripts/*.json")
	f.Add([]byte(`{"version": 1, "attempts": [{"accept": {}, "steps": [{"send": {"json": [1, {"a": "\u00e9"}]}}]}]}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := scenario.Parse(bytes.NewReader(src))
		if err != nil {
			return
		}
		out, err := scenario.Marshal(s)
		if err != nil {
			t.Fatalf("Marshal of a parsed script: %v\ninput: %q", err, src)
		}
		back, err := scenario.Parse(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("Parse(Marshal(s)): %v\n%s", err, out)
		}
		again, err := scenario.Marshal(back)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("Marshal(Parse(Marshal(s))) differs:\n%s\n%s", out, again)
		}
	})
}

// FuzzFromHAR: FromHAR never panics or hangs, and what it imports is a
// valid script that writes and parses.
func FuzzFromHAR(f *testing.F) {
	addFiles(f, "testdata/har/*.har")
	f.Add([]byte(`{"log": {"entries": [{"_resourceType": "websocket", "response": {"status": 101}, "_webSocketMessages": [{"type": "send", "time": 1, "opcode": 1, "data": "x"}]}]}}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := scenario.FromHAR(bytes.NewReader(src))
		if err != nil {
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("FromHAR returned an invalid script: %v", err)
		}
		out, err := scenario.Marshal(s)
		if err != nil {
			t.Fatalf("Marshal of an imported script: %v", err)
		}
		if _, err := scenario.Parse(bytes.NewReader(out)); err != nil {
			t.Fatalf("Parse(Marshal(FromHAR(x))): %v\n%s", err, out)
		}
	})
}
