package scenario_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble/scenario"
)

// fuzzHangAfter is how long one input may run before watchdog calls it a
// hang; an input takes well under a millisecond.
const fuzzHangAfter = 10 * time.Second

// watchdog crashes the process, after printing every goroutine's stack, if
// the input under test is still running after fuzzHangAfter; the function
// it returns stops it. Go's fuzzing engine does not notice an input that
// never returns (it reports 0 execs/sec until the time is up, then PASS),
// but it fails the target on a crash and writes the input to testdata/fuzz.
func watchdog() (stop func() bool) {
	return time.AfterFunc(fuzzHangAfter, func() {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		fmt.Fprintf(os.Stderr, "%s\n", buf)
		panic(fmt.Sprintf("fuzz: an input still running after %v: a hang (every goroutine's stack above)", fuzzHangAfter))
	}).Stop
}

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
	f.Add([]byte(`{"version": 1, "attempts": [{"accept": {}, "rules": [{"on": {"regexp": "^(?P<a>x)(y)?"}, "reply": [{"json": {"{{a}}": "{{$.id}}", "b": "{{2}}"}}, {"text": "{{0}}"}], "times": 3, "delay": "1s", "pass_on": true, "close": {"code": 4000}}]}]}`))
	f.Add([]byte(`{"version": 1, "attempts": [{"accept": {"extensions": "x"}, "steps": [{"ping": {"binary": "/w=="}}, {"expect_pong": {"text": ""}}, {"answer_pings": "1s"}]}]}`))
	f.Add([]byte(`{"version": 1, "attempts": [{"accept": {}, "steps": [{"raw": {"opcode": 8, "fin": false, "rsv3": true, "code": 65535, "payload": "/w==", "mask": "AQIDBA=="}}]}]}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		defer watchdog()()
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
		defer watchdog()()
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
