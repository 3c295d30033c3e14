package scenario

import (
	"testing"

	"github.com/wsdouble/wsdouble"
)

// TestReplyFill: what a reply template makes of the messages a rule
// takes, and which messages it cannot answer (a value missing: the rule
// does not take the message).
func TestReplyFill(t *testing.T) {
	re, err := MatchRegexp(`^(?P<verb>\w+) (\d+)?`)
	if err != nil {
		t.Fatal(err)
	}
	jsonReply := func(s string) Reply { return Reply{Message: wsdouble.Text(s), JSON: true} }
	text := func(s string) Reply { return Reply{Message: wsdouble.Text(s)} }
	tests := []struct {
		name  string
		on    Matcher
		reply Reply
		msg   string
		want  string // "" when the rule does not take msg
	}{
		{"number id", Any{}, jsonReply(`{"id":"{{$.id}}"}`), `{"id": 7}`, `{"id":7}`},
		{"string id", Any{}, jsonReply(`{"id":"{{$.id}}"}`), `{"id":"7"}`, `{"id":"7"}`},
		{"object value", Any{}, jsonReply(`{"echo":"{{$.p}}"}`), `{"p": {"b": [1, 2], "a": null}}`, `{"echo":{"b":[1,2],"a":null}}`},
		{"nested path", Any{}, jsonReply(`["{{$.params[1].name}}"]`), `{"params": [0, {"name": "x"}]}`, `["x"]`},
		{"whole message", Any{}, jsonReply(`{"got":"{{$}}"}`), `[1,2]`, `{"got":[1,2]}`},
		{"in a longer string", Any{}, jsonReply(`{"s":"id={{$.id}}, name={{$.n}}"}`), `{"id": 7, "n": "a\"b"}`, `{"s":"id=7, name=a\"b"}`},
		{"in a key", Any{}, jsonReply(`{"{{$.k}}":1}`), `{"k": "x"}`, `{"x":1}`},
		{"escapes kept", Any{}, jsonReply(`{"a":"\"{{$.id}}\"","b":"\u00e9"}`), `{"id": 1}`, `{"a":"\"1\"","b":"\u00e9"}`},
		{"text reply", Any{}, text(`pong {{$.n}} {{$.s}}`), `{"n": 1.50, "s": "x"}`, `pong 1.50 x`},
		{"missing member", Any{}, jsonReply(`{"id":"{{$.id}}"}`), `{"method":"x"}`, ""},
		{"index out of range", Any{}, jsonReply(`{"id":"{{$[3]}}"}`), `[1]`, ""},
		{"not JSON", Any{}, text(`{{$.id}}`), `id=7`, ""},
		{"regexp groups", re, text(`{{verb}}/{{2}}/{{0}}`), `add 12`, `add/12/add 12`},
		{"regexp group unmatched", re, jsonReply(`{"n":"{{2}}"}`), `add `, `{"n":""}`},
		{"regexp group as JSON", re, jsonReply(`{"v":"{{verb}}"}`), `say "hi"`, `{"v":"say"}`},
		{"no placeholder", Any{}, text(`{ {not one} }`), `x`, `{ {not one} }`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Rule{On: tt.on, Reply: []Reply{tt.reply}}
			if err := r.validate(); err != nil {
				t.Fatalf("validate: %v", err)
			}
			got, ok := r.answers(wsdouble.Text(tt.msg))
			switch {
			case tt.want == "" && ok:
				t.Errorf("took %q and answered %v, want it not taken", tt.msg, got)
			case tt.want == "":
			case !ok:
				t.Errorf("did not take %q, want %s", tt.msg, tt.want)
			case string(got[0].Data) != tt.want:
				t.Errorf("answered %q with %s, want %s", tt.msg, got[0].Data, tt.want)
			}
		})
	}
}
