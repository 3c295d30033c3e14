package scenario_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
)

func TestBuilderReadsLikeTheScenario(t *testing.T) {
	s, err := scenario.New("flaky").Describe("a flaky feed").
		Attempt().Label("first").Accept().Subprotocol("v1").Header("X-A", "1").
		SendText("hello").Label("greeting").
		Send(wsdouble.Binary([]byte{1})).
		SendJSON(map[string]int{"n": 1}).
		Expect(scenario.Any{Type: wsdouble.TextMessage}).
		ExpectBinary([]byte{2}).
		ExpectRegexp(`^ok`).Within(time.Second).
		ExpectAny().
		Wait(time.Minute).
		ExpectClose(1000).Within(3*time.Second).
		Attempt().After(2*time.Second).Refuse(503).Body("busy").Header("Retry-After", "1").
		Attempt().Hang().
		Attempt().Accept().Close(4000, "bye").Repeat().
		Build()
	if err != nil {
		t.Fatal(err)
	}
	b, err := scenario.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"description": "a flaky feed"`,
		`"label": "first"`,
		`{"send": {"text": "hello"}, "label": "greeting"}`,
		`{"send": {"json": {"n":1}}}`,
		`{"expect": {"regexp": "^ok", "timeout": "1s"}}`,
		`{"expect_close": {"code": 1000, "timeout": "3s"}}`,
		`"after": "2s"`,
		`"hang": {}`,
		`"repeat": true`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("built script lacks %s:\n%s", want, b)
		}
	}
}

func TestBuilderCollectsMistakes(t *testing.T) {
	_, err := scenario.New("wrong").
		Attempt().SendText("too early").
		Accept().Refuse(503).
		Subprotocol("x").
		Attempt().Refuse(503).Body("ok").Header("A", "b").Subprotocol("v1").Drop().
		Attempt().Accept().Close(1006, "").Within(time.Second).ExpectRegexp("(").SendJSON(func() {}).
		Attempt().Hang().After(time.Second).Repeat().
		Attempt().Accept().Wait(-time.Second).
		Build()
	if err == nil {
		t.Fatal("Build: got nil error")
	}
	for _, want := range []string{
		"attempt 1, step 1: send needs Accept first",
		"attempt 1, step 1: refuse after accept: an attempt has one answer",
		"attempt 2: Subprotocol needs Accept first",
		"attempt 2, step 1: drop needs Accept first",
		"attempt 3, step 1: Within needs an Expect or ExpectClose first, not close",
		"attempt 3, step 2: ExpectRegexp: error parsing regexp",
		"attempt 3, step 3: SendJSON: json: unsupported type",
		"attempt 4: After must come before the answer",
		"attempt 4: only the last attempt may repeat",
		"attempt 3, step 1 (close): wsdouble: invalid close code: 1006 may not be sent",
		"attempt 5, step 1 (wait): negative duration -1s",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Build error lacks %q:\n%v", want, err)
		}
	}
	if _, err := scenario.New("empty").Build(); err == nil || !strings.Contains(err.Error(), "no attempts") {
		t.Errorf("empty script: got %v", err)
	}
}

func TestBuildIsACopy(t *testing.T) {
	b := scenario.New("x").Attempt().Accept().SendText("one")
	s1, _ := b.Build()
	s2, _ := b.SendText("two").Build()
	if len(s1.Attempts[0].Steps) != 1 || len(s2.Attempts[0].Steps) != 2 {
		t.Errorf("steps: %d and %d, want 1 and 2: Build must not share state with the builder", len(s1.Attempts[0].Steps), len(s2.Attempts[0].Steps))
	}
}

func TestValidate(t *testing.T) {
	s := &scenario.Script{Attempts: []scenario.Attempt{
		{},
		{Answer: scenario.Refuse{Status: 42}},
		{Answer: scenario.Accept{}, Steps: []scenario.Step{{}, {Action: scenario.Expect{}}, {Action: scenario.Send{Message: wsdouble.Message{Type: 7}}}}},
		{Answer: scenario.Accept{}, Steps: []scenario.Step{{Action: scenario.Expect{Match: scenario.Any{Type: 9}}}, {Action: scenario.Expect{Match: scenario.JSON{Value: []byte("{")}}}}},
	}}
	err := s.Validate()
	for _, want := range []string{
		"attempt 1: no answer",
		"attempt 2 (refuse): status 42",
		"attempt 3, step 1: no action",
		"attempt 3, step 2 (expect): no matcher",
		"attempt 3, step 3 (send): message type MessageType(7)",
		"attempt 4, step 1 (expect): message type MessageType(9)",
		"attempt 4, step 2 (expect): bad JSON value",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate lacks %q:\n%v", want, err)
		}
	}
}

func TestMatchers(t *testing.T) {
	j, err := scenario.MatchJSON(`{"op": "sub", "ids": [1, 2.0], "x": {"y": null}}`)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		m    scenario.Matcher
		msg  wsdouble.Message
		want string // "" for a match
	}{
		{j, wsdouble.Text(`{"op":"sub","ids":[1,2],"x":{"y":null,"z":1},"extra":true}`), ""},
		{j, wsdouble.Text(`{"op":"sub","ids":[1,2,3],"x":{"y":null}}`), "$.ids differs"},
		{j, wsdouble.Text(`{"op":"pub","ids":[1,2],"x":{"y":null}}`), "$.op differs"},
		{j, wsdouble.Text(`{"op":"sub","ids":[1,2],"x":{}}`), "$.x.y differs"},
		{j, wsdouble.Text(`not json`), "which is not JSON"},
		{j, wsdouble.Binary([]byte(`{}`)), "want JSON text"},
		{scenario.Exact{Message: wsdouble.Text("a")}, wsdouble.Binary([]byte("a")), `got binary [1]61`},
		{scenario.Any{Type: wsdouble.BinaryMessage}, wsdouble.Text("a"), "want binary"},
		{scenario.Any{}, wsdouble.Binary(nil), ""},
	}
	for i, tt := range tests {
		err := tt.m.Match(tt.msg)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%d: %v.Match(%v): %v, want a match", i, tt.m, tt.msg, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%d: %v.Match(%v): %v, want %q", i, tt.m, tt.msg, err, tt.want)
		}
	}
	r, err := scenario.MatchRegexp(`^a+$`)
	if err != nil || r.Match(wsdouble.Text("aaa")) != nil || r.Match(wsdouble.Text("ab")) == nil || r.Match(wsdouble.Binary([]byte("a"))) == nil {
		t.Errorf("Regexp: %v", err)
	}
	if _, err := scenario.MatchJSON(`{`); err == nil {
		t.Error("MatchJSON of bad JSON: got nil error")
	}
}
