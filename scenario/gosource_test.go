package scenario_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// TestGoSource: the code of a script reads as a person would write it: an
// attempt a line while it fits, the builder's own methods, durations in
// their unit, JSON and patterns in raw strings.
func TestGoSource(t *testing.T) {
	s, err := scenario.New("flaky").
		Attempt().Accept().SendText("hello").ExpectJSON(`{"op":"subscribe"}`).Drop().
		Attempt().Refuse(503).Header("Retry-After", "2").
		Attempt().Label("back").After(2*time.Second).Accept().
		OnRegexp(`^ping (\d+)$`).ReplyText("pong {{1}}").Delay(1500*time.Millisecond).
		ExpectJSON(`{"op":"subscribe"}`).Within(time.Minute).Label("resubscribes").
		Inject(wstest.Latency(200*time.Millisecond).Only(wstest.ToClient).Probability(0.5)).
		Wait(90*time.Second).Close(4000, "bye").
		Build()
	if err != nil {
		t.Fatal(err)
	}
	got, err := scenario.GoSource(s)
	if err != nil {
		t.Fatal(err)
	}
	want := "scenario.New(\"flaky\").\n" +
		"\tAttempt().Accept().SendText(\"hello\").ExpectJSON(`{\"op\":\"subscribe\"}`).Drop().\n" +
		"\tAttempt().Refuse(503).Header(\"Retry-After\", \"2\").\n" +
		"\tAttempt().Label(\"back\").After(2*time.Second).Accept().\n" +
		"\tOnRegexp(`^ping (\\d+)$`).ReplyText(\"pong {{1}}\").Delay(1500*time.Millisecond).\n" +
		"\tExpectJSON(`{\"op\":\"subscribe\"}`).Within(time.Minute).Label(\"resubscribes\").\n" +
		"\tInject(wstest.Latency(200*time.Millisecond).Only(wstest.ToClient).Probability(0.5)).\n" +
		"\tWait(90*time.Second).\n" +
		"\tClose(4000, \"bye\").\n" +
		"\tBuild()\n"
	if string(got) != want {
		t.Errorf("GoSource:\ngot:\n%s\nwant:\n%s", got, want)
	}
}

// TestGoSourceRefuses: a script Go code cannot rebuild, or that does not
// validate, has no code, and the error says where.
func TestGoSourceRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    *scenario.Script
		want string
	}{
		{"custom matcher", &scenario.Script{Attempts: []scenario.Attempt{{Answer: scenario.Accept{},
			Steps: []scenario.Step{{Action: scenario.Expect{Match: notHello{}}}}}}},
			"attempt 1, step 1 (expect): matcher scenario_test.notHello has no Go code"},
		{"reply JSON with white space", &scenario.Script{Attempts: []scenario.Attempt{{Answer: scenario.Accept{},
			Rules: []scenario.Rule{{On: scenario.Any{}, Reply: []scenario.Reply{{Message: wsdouble.Text(`{"a": 1}`), JSON: true}}}}}}},
			"attempt 1, rule 1: reply 1: JSON with white space"},
		{"invalid", &scenario.Script{}, "no attempts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scenario.GoSource(tc.s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("GoSource: got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// notHello is a matcher of another package: it has no file format, and no
// Go code GoSource could write.
type notHello struct{}

func (notHello) Match(m wsdouble.Message) error {
	if string(m.Data) == "hello" {
		return fmt.Errorf("got %v", m)
	}
	return nil
}
func (notHello) String() string { return "anything but hello" }

// TestGoSourceBuildsTheSameScript: the code GoSource writes for every
// script of testdata, for scripts using every answer, step (heartbeats and
// raw frames too), rule, matcher and fault the builder knows, and for hundreds the explorer generated
// (package clientcheck, which this test may import: it is scenario_test),
// compiles, and builds a script that Marshal writes exactly as the
// original. The code is compiled and run
// once, as a program in a module of its own that requires this checkout.
func TestGoSourceBuildsTheSameScript(t *testing.T) {
	corpus := goSourceCorpus(t)
	srcs := make([]string, len(corpus))
	want := make([]string, len(corpus))
	for i, s := range corpus {
		src, err := scenario.GoSource(s)
		if err != nil {
			t.Fatalf("script %d (%s): GoSource: %v", i, s.Name, err)
		}
		srcs[i] = string(src)
		b, err := scenario.Marshal(s)
		if err != nil {
			t.Fatalf("script %d (%s): Marshal: %v", i, s.Name, err)
		}
		want[i] = string(b)
	}
	got := runGoSources(t, srcs)
	for i := range corpus {
		if got[i] != want[i] {
			t.Errorf("script %d (%s): built from its Go code, Marshal writes:\n%s\nwant:\n%s\nthe code:\n%s", i, corpus[i].Name, got[i], want[i], srcs[i])
		}
	}
}

// goSourceCorpus returns the scripts of testdata, and scripts that use,
// between them, every answer, step, rule, matcher and fault kind, with
// values away from their defaults.
func goSourceCorpus(t *testing.T) []*scenario.Script {
	t.Helper()
	files, err := filepath.Glob("testdata/scripts/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("testdata/scripts: got %d files (%v), want some", len(files), err)
	}
	var corpus []*scenario.Script
	for _, f := range files {
		s, err := scenario.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		corpus = append(corpus, s)
	}
	everything, err := scenario.New("every method").Describe("a description with \"quotes\" and a `backquote`").
		TellClientsApart(scenario.ClientID{Header: "X-Client"}).
		Attempt().Label("first").After(1500*time.Microsecond).Accept().Subprotocol("v2").Header("X-A", "1").Header("X-A", "2").Header("Set-Cookie", "c=d").Clients(3).
		OnText("ping").Label("heartbeat").ReplyText("pong").Times(2).PassOn().
		OnJSON(`{"id":1}`).ReplyJSON(`{"id":"{{$.id}}"}`).Reply(wsdouble.Binary([]byte{0, 0xff, 'a'})).Delay(time.Duration(7)).ThenClose(4001, "done").
		OnAny().ThenDrop().
		On(scenario.Exact{Message: wsdouble.Binary([]byte{1, 2})}).ThenClose(0, "").
		SendText("tab\tline\nquote\" é").SendBinary([]byte{0x80, 0}).SendJSON(`{"a":[1,2]}`).
		ExpectText("a").ExpectBinary([]byte("\x00b")).ExpectRegexp(`\w+`).Within(3*time.Millisecond).ExpectAny().
		Wait(time.Hour+time.Second).Echo(2).EchoFor(time.Minute).Echo(0).
		Gather().Within(time.Second).Gather().BroadcastText("news").Broadcast(wsdouble.Binary([]byte("b"))).
		ExpectClose(1006).Within(2*time.Second).Label("gone").
		Attempt().Refuse(401).Header("WWW-Authenticate", "Bearer").Body("no\n").
		Attempt().Hang().
		Attempt().Abort().
		Attempt().Accept().Subprotocol(wstest.NoSubprotocol).Reset().Heal().Down(0).Crash(time.Second).DropAll().Close(0, "").Drop().ExpectClose(0).
		Attempt().Accept().Extensions("permessage-deflate").Ping(nil).Ping([]byte("hb")).Pong([]byte{0xff, 0}).
		ExpectPing(nil).Within(time.Second).ExpectPing([]byte{}).ExpectPong([]byte("hb")).ExpectPong(nil).
		AnswerPings(wstest.NoPong()).AnswerPings(wstest.PongAfter(3*time.Second)).AnswerPings(wstest.PongAtOnce()).
		Raw(wstest.Frame{Opcode: wstest.OpClose, Payload: wstest.ClosePayload(999, []byte("bye"))}).
		Raw(wstest.Frame{Opcode: wstest.Opcode(3), NotFinal: true, RSV1: true, RSV2: true, RSV3: true}).
		Raw(wstest.Frame{Opcode: wstest.OpText, Payload: []byte{0xc3}, Masked: true, MaskKey: [4]byte{1, 2, 3, 4}}).
		Raw(wstest.Frame{Opcode: wstest.OpPing, Masked: true}).
		Attempt().After(time.Minute).Accept().Close(1001, "").Repeat().
		Build()
	if err != nil {
		t.Fatal(err)
	}
	// What the builder has no method for: its Step and Expect take the
	// action's or the matcher's type.
	lacking := &scenario.Script{Name: "no method", Attempts: []scenario.Attempt{{Answer: scenario.Accept{}, Steps: []scenario.Step{
		{Action: scenario.Echo{Messages: 3, For: time.Second}},
		{Action: scenario.Broadcast{Message: wsdouble.Text(`{"op":"news"}`), JSON: true}},
		{Action: scenario.Send{Message: wsdouble.Text(`{ "spaced": true }`), JSON: true}},
		{Action: scenario.Expect{Match: scenario.JSON{Value: json.RawMessage(`{ "spaced": true }`)}}},
		{Action: scenario.Expect{Match: scenario.Any{Type: wsdouble.BinaryMessage}}},
		{Action: scenario.Expect{Match: scenario.Any{Type: wsdouble.TextMessage}}, Label: "any text"},
	}, Rules: []scenario.Rule{
		{On: scenario.Any{Type: wsdouble.TextMessage}, Reply: []scenario.Reply{{Message: wsdouble.Text("{}"), JSON: true}}},
		{On: scenario.JSON{Value: json.RawMessage(`[ 1 ]`)}},
	}}, {Answer: scenario.Refuse{Status: 503, Header: http.Header{"Retry-After": {"120"}}}}}}
	return append(append(corpus, everything, lacking, everyFault(t)), generated(t, 300)...)
}

// generated returns the scripts the explorer draws from the first n
// seeds, for a client that subscribes, answers pings and claims a policy
// of every kind of limit: they hold every answer, step, rule and fault
// the explorer uses, in many combinations.
func generated(t *testing.T, n uint64) []*scenario.Script {
	t.Helper()
	h := clientcheck.Harness{
		Healthy: []scenario.Step{{Action: scenario.Expect{Match: scenario.JSON{Value: json.RawMessage(`{"op":"subscribe"}`)}, Timeout: 2 * time.Second}}},
		Rules:   []scenario.Rule{{On: scenario.Exact{Message: wsdouble.Text("ping")}, Reply: []scenario.Reply{{Message: wsdouble.Text("pong")}}}},
		Policy: clientcheck.Policy{Backoff: wstest.Backoff{Min: time.Second, Max: 10 * time.Second, Factor: 1.5, ResetAfter: 5 * time.Second},
			ConnectTimeout: 4 * time.Second, Keepalive: 15 * time.Second, Protocols: []string{"v1"}, GiveUpStatuses: []int{401}, GiveUpCodes: []int{4001}},
	}
	var out []*scenario.Script
	for seed := range n {
		s, err := clientcheck.Generate(h, seed+1)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// everyFault returns a script with a step per row of the fault table,
// every parameter set away from its default, then again in another
// direction, with a probability and a seed.
func everyFault(t *testing.T) *scenario.Script {
	t.Helper()
	var steps []scenario.Step
	for _, k := range wstest.FaultKinds() {
		for _, tweak := range []bool{false, true} {
			s := wstest.FaultSpec{Kind: k.Kind, Direction: k.Default, Probability: 1, Seed: 1}
			for i, p := range k.Params {
				if k.OneOf && i != 0 && !tweak || k.OneOf && i == 0 && tweak {
					continue // one of them: the first, then the second
				}
				v := max(p.Min, 1) * 3
				if p.Type == wstest.DurationParam {
					v = int64(1500 * time.Millisecond)
				}
				p.Set(&s, min(v, p.Max))
			}
			if tweak {
				for _, d := range []wstest.Direction{wstest.ToClient, wstest.FromClient, wstest.Both} {
					if d != k.Default && k.Directions&d == d {
						s.Direction = d
						break
					}
				}
				s.Probability, s.Seed = 0.25, math.MaxUint64
			}
			f, err := wstest.FaultFromSpec(s)
			if err != nil {
				t.Fatalf("%s: %v", k.Kind, err)
			}
			steps = append(steps, scenario.Step{Action: scenario.Inject{Fault: f}})
		}
	}
	return &scenario.Script{Name: "every fault", Attempts: []scenario.Attempt{{Answer: scenario.Accept{}, Steps: steps}}}
}

// runGoSources compiles and runs, as one program, the code GoSource wrote
// for each script, and returns what Marshal writes of each built script
// (or the error Build or Marshal returned). The program is a module of its
// own in a temporary directory that requires this checkout through a
// replace directive, built offline from the module cache.
func runGoSources(t *testing.T, srcs []string) []string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to compile the code with: %v", err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var prog strings.Builder
	prog.WriteString(goSourceProgramHead)
	for _, src := range srcs {
		fmt.Fprintf(&prog, "func() (*scenario.Script, error) {\nreturn %s}, ", src)
	}
	prog.WriteString("\n}\n")
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"go.mod":  "module gosourcecheck\n\ngo 1.26\n\nrequire github.com/wsdouble/wsdouble v0.0.0\n\nreplace github.com/wsdouble/wsdouble => " + root + "\n",
		"go.sum":  string(sum),
		"main.go": prog.String(),
	} {
		writeFile(t, filepath.Join(dir, name), content)
	}
	cmd := exec.CommandContext(t.Context(), goCmd, "run", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go run: %v\n%s\nthe program:\n%s", err, stderr.Bytes(), prog.String())
	}
	var got []string
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(srcs) {
		t.Fatalf("go run: got %d results (%v), want %d:\n%s", len(got), err, len(srcs), out)
	}
	return got
}

// goSourceProgramHead starts the program runGoSources runs: it prints, as
// a JSON array, what Marshal writes of each script its functions build.
const goSourceProgramHead = `package main

import (
	"encoding/json"
	"os"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

var (
	_ = time.Second
	_ wsdouble.Message
	_ wstest.Fault
	_ json.RawMessage
)

func main() {
	var out []string
	for _, build := range scripts {
		s, err := build()
		if err != nil {
			out = append(out, "Build: "+err.Error())
			continue
		}
		b, err := scenario.Marshal(s)
		if err != nil {
			out = append(out, "Marshal: "+err.Error())
			continue
		}
		out = append(out, string(b))
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

var scripts = []func() (*scenario.Script, error){
`
