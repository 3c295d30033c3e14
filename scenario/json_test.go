package scenario_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // each must appear in the error
	}{
		{"not JSON", `not json`, []string{"1:2: invalid character 'o' in literal null"}},
		{"empty", ``, []string{"1:1: unexpected end of the script"}},
		{"truncated", "{\"version\": 1,\n \"attempts\": [", []string{"2:15: unexpected end"}},
		{"no version", `{"attempts": [{"accept": {}}]}`, []string{"1:1: version: missing"}},
		{"version 2", `{"version": 2, "attempts": [{"accept": {}}]}`, []string{"1:13: version: version 2 is not supported"}},
		{"unknown field", `{"version": 1, "atempts": []}`, []string{`1:16: atempts: unknown field`}},
		{"no attempts", `{"version": 1}`, []string{"attempts: missing"}},
		{"empty attempts", `{"version": 1, "attempts": []}`, []string{"1:28: attempts: empty"}},
		{"attempts not array", `{"version": 1, "attempts": {}}`, []string{"attempts: got an object, want an array"}},
		{"two answers", `{"version": 1, "attempts": [{"accept": {}, "hang": {}}]}`, []string{"1:29: attempt 1: 2 answers (accept, hang)"}},
		{"no answer", `{"version": 1, "attempts": [{"label": "x"}]}`, []string{"attempt 1: no answer"}},
		{"status 101", `{"version": 1, "attempts": [{"refuse": {"status": 101}}]}`, []string{"1:51: attempt 1: refuse.status: 101 is not a final HTTP status"}},
		{"status missing", `{"version": 1, "attempts": [{"refuse": {}}]}`, []string{"attempt 1: refuse.status: missing"}},
		{"status string", `{"version": 1, "attempts": [{"refuse": {"status": "503"}}]}`, []string{"attempt 1: refuse.status: got a string, want an integer"}},
		{"close 1005", "{\"version\": 1, \"attempts\": [\n {\"accept\": {}, \"steps\": [\n  {\"send\": {\"text\": \"x\"}},\n  {\"close\": {\"code\": 1005}}]}]}",
			[]string{"4:13: attempt 1, step 2: close: wsdouble: invalid close code: 1005 may not be sent"}},
		{"close 999", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"close": {"code": 999}}]}]}`, []string{"attempt 1, step 1: close"}},
		{"close reason too long", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"close": {"code": 1000, "reason": "` + strings.Repeat("r", 124) + `"}}]}]}`, []string{"attempt 1, step 1: close: wsdouble: close reason too long"}},
		{"negative wait", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"wait": "-1s"}]}]}`, []string{"attempt 1, step 1: wait: negative duration"}},
		{"bad duration", `{"version": 1, "attempts": [{"after": "5 seconds", "accept": {}}]}`, []string{"attempt 1: after: bad duration \"5 seconds\""}},
		{"duration as number", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"wait": 5}]}]}`, []string{"attempt 1, step 1: wait: got a number, want a duration string"}},
		{"bad regexp", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"expect": {"regexp": "("}}]}]}`, []string{"attempt 1, step 1: expect.regexp: bad regexp"}},
		{"unknown step", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"sned": {"text": "x"}}]}]}`, []string{"attempt 1, step 1: sned: unknown field"}},
		{"two actions", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"drop": {}, "wait": "1s"}]}]}`, []string{"attempt 1, step 1: 2 actions"}},
		{"text and binary", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"send": {"text": "a", "binary": "AA=="}}]}]}`, []string{"attempt 1, step 1: send: want exactly one of text, binary, json, got 2"}},
		{"binary not base64", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"send": {"binary": "%%%"}}]}]}`, []string{"attempt 1, step 1: send.binary: not base64"}},
		{"steps after refuse", `{"version": 1, "attempts": [{"refuse": {"status": 503}, "steps": [{"drop": {}}]}]}`, []string{"attempt 1: steps: steps need an accepted connection, but the answer is refuse"}},
		{"repeat not last", `{"version": 1, "attempts": [{"accept": {}, "repeat": true}, {"hang": {}}]}`, []string{"attempt 1: repeat: only the last attempt may repeat"}},
		{"duplicate key", `{"version": 1, "version": 1}`, []string{"1:16: duplicate key \"version\""}},
		{"trailing data", `{"version": 1, "attempts": [{"hang": {}}]} {}`, []string{"1:44: unexpected data after the end of the script"}},
		{"any 3", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"expect": {"any": 3}}]}]}`, []string{`attempt 1, step 1: expect.any: want true, "text" or "binary"`}},
		{"header number", `{"version": 1, "attempts": [{"refuse": {"status": 503, "headers": {"Retry-After": 5}}}]}`, []string{"attempt 1: refuse.headers.Retry-After: got a number"}},
		{"expect_close 5000", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"expect_close": {"code": 5000}}]}]}`, []string{"attempt 1, step 1: expect_close: code 5000"}},
		{"hang with fields", `{"version": 1, "attempts": [{"hang": {"for": "1s"}}]}`, []string{"attempt 1: hang.for: unknown field"}},
		{"deep nesting", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"send": {"json": ` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}}]}]}`, []string{"nested more than 200 deep"}},
		{"latency without delay", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"latency": {"jitter": "1s"}}]}]}`, []string{"attempt 1, step 1: latency.delay: missing"}},
		{"latency unknown field", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"latency": {"delay": "1s", "jiter": "1s"}}]}]}`, []string{"attempt 1, step 1: latency.jiter: unknown field"}},
		{"bad direction", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"blackhole": {"direction": "up"}}]}]}`, []string{`attempt 1, step 1: blackhole.direction: "up" is not "to_client", "from_client" or "both"`}},
		{"probability 2", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"latency": {"delay": "1s", "probability": 2}}]}]}`, []string{"attempt 1, step 1: latency.probability: want a number from 0 to 1"}},
		{"negative seed", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"latency": {"delay": "1s", "seed": -1}}]}]}`, []string{"attempt 1, step 1: latency.seed: -1 is not an integer from 0"}},
		{"negative latency", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"latency": {"delay": "-1s"}}]}]}`, []string{"attempt 1, step 1", "latency"}},
		{"zero bandwidth", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"bandwidth": {"bytes_per_second": 0}}]}]}`, []string{"attempt 1, step 1", "bandwidth"}},
		{"slicer from client", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"slicer": {"size": 4, "direction": "from_client"}}]}]}`, []string{"attempt 1, step 1", "slicer acts on messages to the client only"}},
		{"drop_after both", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"drop_after": {"messages": 1, "delay": "1s"}}]}]}`, []string{"attempt 1, step 1: drop_after: want one of messages or delay, not both"}},
		{"drop_after neither", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"drop_after": {}}]}]}`, []string{"attempt 1, step 1: drop_after: want messages (a count) or delay (a duration)"}},
		{"limit_data huge", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"limit_data": {"bytes": 18446744073709551615}}]}]}`, []string{"attempt 1, step 1: limit_data.bytes: 18446744073709551615 is too large"}},
		{"down without for", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"down": {}}]}]}`, []string{"attempt 1, step 1: down.for: missing"}},
		{"down with a drop not a boolean", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"down": {"for": "1s", "drop": "yes"}}]}]}`, []string{"attempt 1, step 1: down.drop: "}},
		{"reset with fields", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"reset": {"now": true}}]}]}`, []string{"attempt 1, step 1: reset.now: unknown field"}},
		{"abort and accept", `{"version": 1, "attempts": [{"abort": {}, "accept": {}}]}`, []string{"attempt 1: 2 answers (abort, accept)"}},
		{"rules not an array", `{"version": 1, "attempts": [{"accept": {}, "rules": {}}]}`, []string{"1:53: attempt 1: rules: got an object, want an array"}},
		{"rules after refuse", `{"version": 1, "attempts": [{"refuse": {"status": 503}, "rules": []}]}`, []string{"attempt 1: rules: rules need an accepted connection, but the answer is refuse"}},
		{"rule without on", `{"version": 1, "attempts": [{"accept": {}, "rules": [{"reply": {"text": "x"}}]}]}`, []string{"1:54: attempt 1, rule 1: on: missing"}},
		{"rule unknown field", `{"version": 1, "attempts": [{"accept": {}, "rules": [{"on": {"any": true}, "replay": {}}]}]}`, []string{"attempt 1, rule 1: replay: unknown field"}},
		{"rule two matchers", `{"version": 1, "attempts": [{"accept": {}, "rules": [{"on": {"text": "a", "regexp": "b"}}]}]}`, []string{"attempt 1, rule 1: on: want exactly one of text, binary, regexp, json, any, got 2"}},
		{"rule bad regexp", `{"version": 1, "attempts": [{"accept": {}, "rules": [{"on": {"regexp": "("}}]}]}`, []string{"1:72: attempt 1, rule 1: on.regexp: bad regexp"}},
		{"rule times 0", `{"version": 1, "attempts": [{"accept": {}, "rules": [{"on": {"any": true}, "times": 0}]}]}`, []string{"attempt 1, rule 1: times: want at least 1"}},
		{"rule negative delay", `{"version": 1, "attempts": [{"accept": {}, "rules": [{"on": {"any": true}, "delay": "-1s"}]}]}`, []string{"attempt 1, rule 1: delay: negative duration"}},
		{"rule close and drop", `{"version": 1, "attempts": [{"accept": {}, "rules": [{"on": {"any": true}, "close": {}, "drop": {}}]}]}`, []string{"attempt 1, rule 1: close and drop"}},
		{"rule close 1006", `{"version": 1, "attempts": [{"accept": {}, "rules": [{"on": {"any": true}, "close": {"code": 1006}}]}]}`, []string{"attempt 1, rule 1: then: wsdouble: invalid close code: 1006 may not be sent"}},
		{"reply two messages", `{"version": 1, "attempts": [{"accept": {}, "rules": [{"on": {"any": true}, "reply": {"text": "a", "json": 1}}]}]}`, []string{"attempt 1, rule 1: reply: want exactly one of text, binary, json, got 2"}},
		{"reply element", `{"version": 1, "attempts": [{"accept": {}, "rules": [{"on": {"any": true}, "reply": [{"text": "a"}, {"txt": "b"}]}]}]}`, []string{"attempt 1, rule 1: reply[1].txt: unknown field"}},
		{"reply open placeholder", `{"version": 1, "attempts": [{"accept": {}, "rules": [{"on": {"any": true}, "reply": {"text": "a {{$.id"}}]}]}`, []string{"attempt 1, rule 1: reply 1: a {{ without its }}"}},
		{"reply bad placeholder", `{"version": 1, "attempts": [{"accept": {}, "rules": [{"on": {"any": true}, "reply": {"json": {"id": "{{id!}}"}}}]}]}`, []string{"attempt 1, rule 1: reply 1: {{id!}}: want a JSON path ($.id), a group number (1) or a group name"}},
		{"reply bad path", `{"version": 1, "attempts": [{"accept": {}, "rules": [{"on": {"any": true}, "reply": {"text": "{{$.a[x]}}"}}]}]}`, []string{"attempt 1, rule 1: reply 1: $[x]: want [n]"}},
		{"reply group without regexp", `{"version": 1, "attempts": [{"accept": {}, "rules": [{"on": {"text": "a"}, "reply": {"text": "{{1}}"}}]}]}`, []string{"attempt 1, rule 1: reply 1: the reply names a regexp group ({{1}}) but the rule matches no regexp"}},
		{"reply group out of range", `{"version": 1, "attempts": [{"accept": {}, "rules": [{"on": {"regexp": "(a)"}, "reply": {"text": "{{2}}"}}]}]}`, []string{"attempt 1, rule 1: reply 1: the reply names group 2, but the regexp has 1"}},
		{"reply group name", `{"version": 1, "attempts": [{"accept": {}, "rules": [{"on": {"regexp": "(?P<a>x)"}, "reply": {"text": "{{b}}"}}]}]}`, []string{`attempt 1, rule 1: reply 1: the reply names group "b", which the regexp does not have`}},
		{"clients 0", `{"version": 1, "attempts": [{"clients": 0, "accept": {}}]}`, []string{"1:41: attempt 1: clients: want a count from 1 to 10000"}},
		{"client empty", `{"version": 1, "client": {}, "attempts": [{"accept": {}}]}`, []string{`1:26: client: want "query" or "header"`}},
		{"client both", `{"version": 1, "client": {"query": "a", "header": "B"}, "attempts": [{"accept": {}}]}`, []string{`client: query or header, not both`}},
		{"client bad header", `{"version": 1, "client": {"header": "a b"}, "attempts": [{"accept": {}}]}`, []string{`client: bad header name "a b"`}},
		{"gather negative", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"gather": {"timeout": "-1s"}}]}]}`, []string{"attempt 1, step 1: gather.timeout: negative duration"}},
		{"broadcast nothing", `{"version": 1, "attempts": [{"accept": {}, "steps": [{"broadcast": {}}]}]}`, []string{"attempt 1, step 1: broadcast: want exactly one of text, binary, json, got 0"}},
		{"several errors at once", `{"version": 1, "attempts": [{"refuse": {"status": 99}}, {"accept": {}, "steps": [{"wait": "x"}]}]}`,
			[]string{"attempt 1: refuse.status", "attempt 2, step 1: wait: bad duration"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := scenario.Parse(strings.NewReader(tt.src))
			if err == nil {
				t.Fatalf("Parse: got %+v, want an error", s)
			}
			var pe *scenario.ParseError
			if !errors.As(err, &pe) || pe.Line == 0 {
				t.Errorf("error %q is not a *ParseError with a line", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%v\nlacks %q", err, w)
				}
			}
		})
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	if _, err := scenario.Load("testdata/no-such-file.json"); err == nil || !strings.Contains(err.Error(), "no-such-file.json") {
		t.Errorf("Load of a missing file: got %v", err)
	}
	dir := t.TempDir()
	path := dir + "/bad.json"
	writeFile(t, path, "{\"version\": 1,\n\"attempts\": [{\"refuse\": {\"status\": 42}}]}")
	_, err := scenario.Load(path)
	if err == nil || !strings.HasPrefix(err.Error(), path+":2:36: attempt 1: refuse.status") {
		t.Errorf("Load: got %v, want an error starting with %s:2:36", err, path)
	}
}

// TestLoadSizeLimit: Load refuses a file larger than Parse's limit, naming
// the file and the limit. The file is sparse: it takes no room on disk,
// and Load refuses it from its size, without reading it.
func TestLoadSizeLimit(t *testing.T) {
	path := t.TempDir() + "/big.json"
	writeFile(t, path, "")
	if err := os.Truncate(path, 64<<20+1); err != nil {
		t.Fatal(err)
	}
	_, err := scenario.Load(path)
	if want := "scenario: " + path + ": the script is larger than 64 MiB"; err == nil || err.Error() != want {
		t.Errorf("Load of a 64 MiB + 1 byte file: got %v, want %s", err, want)
	}
}

// TestParseByteOrderMark: a UTF-8 byte order mark before the script is
// skipped (RFC 8259 §8.1 lets a parser ignore one; Windows editors write
// it), and positions count from after it, as an editor shows them; a
// script in UTF-16 is refused with an error that says so. Before, both
// failed with encoding/json's "invalid character 'ï' looking for beginning
// of value".
func TestParseByteOrderMark(t *testing.T) {
	const bom = "\xef\xbb\xbf"
	if _, err := scenario.Parse(strings.NewReader(bom + `{"version": 1, "attempts": [{"hang": {}}]}`)); err != nil {
		t.Errorf("a script after a BOM: %v", err)
	}
	_, err := scenario.Parse(strings.NewReader(bom + `{"version": 2, "attempts": [{"hang": {}}]}`))
	if err == nil || !strings.HasPrefix(err.Error(), "1:13: version:") {
		t.Errorf("an error after a BOM: got %v, want it at 1:13, as without the BOM", err)
	}
	utf16 := func(s string, bigEndian bool) string {
		var b []byte
		for _, c := range []byte(s) {
			if bigEndian {
				b = append(b, 0, c)
			} else {
				b = append(b, c, 0)
			}
		}
		return string(b)
	}
	for name, src := range map[string]string{
		"UTF-16LE with BOM":    "\xff\xfe" + utf16(`{"version": 1}`, false),
		"UTF-16BE with BOM":    "\xfe\xff" + utf16(`{"version": 1}`, true),
		"UTF-16LE without BOM": utf16(`{"version": 1}`, false),
	} {
		if _, err := scenario.Parse(strings.NewReader(src)); err == nil || err.Error() != "1:1: the script is UTF-16; save it as UTF-8 (RFC 8259 §8.1)" {
			t.Errorf("%s: got %v, want an error that says it is UTF-16", name, err)
		}
	}
}

// TestParseRegexpLimit: a regexp longer than MaxRegexpSize is refused
// before it is compiled, with its line and field; one at the limit is
// taken. Before, a 10 MiB invalid regexp took seconds to be refused (it
// was compiled), and 8 MiB of valid ones took 1.5 GB.
func TestParseRegexpLimit(t *testing.T) {
	script := func(pattern string) string {
		return "{\"version\": 1, \"attempts\": [{\"accept\": {}, \"steps\": [\n  {\"expect\": {\"regexp\": \"" + pattern + "\"}}]}]}"
	}
	if _, err := scenario.Parse(strings.NewReader(script(strings.Repeat("a", scenario.MaxRegexpSize)))); err != nil {
		t.Errorf("a regexp at the limit: %v", err)
	}
	for _, pattern := range []string{
		strings.Repeat("a", scenario.MaxRegexpSize+1),
		strings.Repeat("(", 10<<20), // invalid, and 10 MiB
	} {
		start := time.Now()
		_, err := scenario.Parse(strings.NewReader(script(pattern)))
		want := fmt.Sprintf("2:25: attempt 1, step 1: expect.regexp: the pattern is %d bytes long; a regexp may be at most %d (MaxRegexpSize)", len(pattern), scenario.MaxRegexpSize)
		if err == nil || err.Error() != want {
			t.Errorf("a %d-byte regexp: got %v, want %s", len(pattern), err, want)
		}
		t.Logf("a %d-byte regexp refused in %v", len(pattern), time.Since(start))
	}
	if _, err := scenario.MatchRegexp(strings.Repeat("a", scenario.MaxRegexpSize+1)); err == nil {
		t.Error("MatchRegexp took a pattern over MaxRegexpSize")
	}
}

// TestRegexpCompiledWhenPlayed: Parse checks a regexp's syntax, with its
// position, and the step compiles it when it first matches.
func TestRegexpCompiledWhenPlayed(t *testing.T) {
	_, err := scenario.Parse(strings.NewReader(`{"version": 1, "attempts": [{"accept": {}, "steps": [{"expect": {"regexp": "a(b"}}]}]}`))
	if err == nil || err.Error() != "1:76: attempt 1, step 1: expect.regexp: bad regexp: error parsing regexp: missing closing ): `a(b`" {
		t.Errorf("a bad regexp: got %v", err)
	}
	s, err := scenario.Parse(strings.NewReader(`{"version": 1, "attempts": [{"accept": {}, "steps": [{"expect": {"regexp": "^ack [0-9]+$"}}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	m := s.Attempts[0].Steps[0].Action.(scenario.Expect).Match
	if err := m.Match(wsdouble.Text("ack 12")); err != nil {
		t.Errorf("Match: %v", err)
	}
	if err := m.Match(wsdouble.Text("nack")); err == nil {
		t.Error("Match: a text the regexp does not match matched")
	}
}
