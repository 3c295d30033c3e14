package scenario

import (
	"slices"
	"strings"
	"testing"

	"github.com/wsdouble/wsdouble/wstest"
)

// TestEveryActionRoundTrips: every action registered with the file format
// decodes from its value to an action of its name, which encodes back to
// the same value. A new step registers itself beside its type; this table
// wants a value of it too (fault kinds come from wstest's table, see
// TestEveryFaultKindIsAStep).
func TestEveryActionRoundTrips(t *testing.T) {
	values := map[string][]string{
		"send":         {`{"text": "hi"}`, `{"binary": "AAE="}`, `{"json": {"op":"ping"}}`},
		"expect":       {`{"text": "hi", "timeout": "5s"}`, `{"binary": "AAE="}`, `{"regexp": "^a+$"}`, `{"json": {"op":"sub"}}`, `{"any": true}`, `{"any": "binary"}`},
		"wait":         {`"1.5s"`},
		"echo":         {`{}`, `{"messages": 2, "for": "3s"}`},
		"close":        {`{}`, `{"code": 4000, "reason": "bye"}`},
		"drop":         {`{}`},
		"expect_close": {`{}`, `{"code": 1006, "timeout": "2s"}`},
		"reset":        {`{}`},
		"heal":         {`{}`},
		"down":         {`{"for": "10s"}`, `{"for": "2s", "drop": true}`},
		"drop_all":     {`{}`},
		"broadcast":    {`{"text": "news"}`, `{"binary": "AAE="}`, `{"json": {"op":"news"}}`},
		"gather":       {`{}`, `{"timeout": "5s"}`},
		"ping":         {`{}`, `{"text": "hb"}`, `{"binary": "/w=="}`},
		"pong":         {`{}`, `{"text": "u"}`},
		"expect_ping":  {`{}`, `{"text": ""}`, `{"binary": "AP8=", "timeout": "3s"}`},
		"expect_pong":  {`{"text": "hb"}`, `{"timeout": "1m0s"}`},
		"answer_pings": {`true`, `false`, `"2.5s"`},
		"raw": {`{"opcode": "close", "code": 999}`, `{"opcode": "text", "fin": false, "rsv1": true, "rsv2": true, "rsv3": true, "payload": "/w=="}`,
			`{"opcode": 11, "text": "x", "mask": "AQIDBA=="}`, `{"opcode": "continuation"}`, `{"opcode": "close", "code": 1000, "payload": "/w=="}`},
	}
	var names []string
	for name := range values {
		names = append(names, name)
	}
	for _, k := range wstest.FaultKinds() {
		names = append(names, string(k.Kind))
	}
	slices.Sort(names)
	if got := actionNames(); !slices.Equal(got, names) {
		t.Errorf("registered actions:\n%v\nwant, with a value of each in this test:\n%v", got, names)
	}
	for name, vals := range values {
		for _, val := range vals {
			src := `{"version": 1, "attempts": [{"accept": {}, "steps": [{"` + name + `": ` + val + `}]}]}`
			s, err := Parse(strings.NewReader(src))
			if err != nil {
				t.Errorf("%s %s: %v", name, val, err)
				continue
			}
			act := s.Attempts[0].Steps[0].Action
			if act.Name() != name {
				t.Errorf("%s %s: decoded a %T named %q", name, val, act, act.Name())
			}
			out, err := act.encode()
			if err != nil {
				t.Errorf("%s %s: encode: %v", name, val, err)
				continue
			}
			if string(out) != val {
				t.Errorf("%s %s: encoded as %s", name, val, out)
			}
		}
	}
}
