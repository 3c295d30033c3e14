package clientcheck_test

import (
	"bytes"
	"cmp"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata")

// subscriber is the harness of a client that subscribes on every open and
// answers pings, with medplum's policy: the harness the generator's tests
// draw for.
var subscriber = clientcheck.Harness{
	Name: "subscriber",
	Healthy: []scenario.Step{
		{Action: scenario.Expect{Match: scenario.JSON{Value: []byte(`{"op":"subscribe"}`)}, Timeout: 2 * time.Second}},
	},
	Rules: []scenario.Rule{{On: scenario.Exact{Message: wsdouble.Text("ping")}, Reply: []scenario.Reply{{Message: wsdouble.Text("pong")}}}},
	Policy: clientcheck.Policy{
		Backoff:        wstest.Backoff{Min: time.Second, Max: 10 * time.Second, Factor: 1.3, ResetAfter: 5 * time.Second},
		ConnectTimeout: 4 * time.Second,
		Keepalive:      15 * time.Second,
		Protocols:      []string{"v1"},
		GiveUpStatuses: []int{401},
		GiveUpCodes:    []int{4001},
	},
}

// harnesses are harnesses that shape schedules differently: one that
// claims nothing, a plain reconnecting one, and the subscriber.
var harnesses = map[string]clientcheck.Harness{
	"nothing":      {},
	"reconnecting": {Policy: clientcheck.Policy{Backoff: wstest.Backoff{Min: 100 * time.Millisecond, Max: time.Minute, Factor: 2}}},
	"subscriber":   subscriber,
}

// TestGenerateIsReproducible: a seed gives the same script every time,
// and on every machine and Go release: those of the first seeds are
// golden files (go test -run TestGenerateIsReproducible -update rewrites
// them after a change to the generator, which changes every schedule).
func TestGenerateIsReproducible(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		a, err := clientcheck.Generate(subscriber, seed)
		if err != nil {
			t.Fatal(err)
		}
		b, err := clientcheck.Generate(subscriber, seed)
		if err != nil {
			t.Fatal(err)
		}
		ja, jb := marshal(t, a), marshal(t, b)
		if !bytes.Equal(ja, jb) {
			t.Errorf("seed %d: Generate twice:\n%s\nthen:\n%s", seed, ja, jb)
		}
		golden := filepath.Join("testdata", "generate", fmt.Sprintf("seed-%d.json", seed))
		if *update {
			if err := os.WriteFile(golden, ja, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ja, want) {
			t.Errorf("seed %d: Generate:\n%s\nwant (%s):\n%s", seed, ja, golden, want)
		}
	}
	a, _ := clientcheck.Generate(subscriber, 1)
	b, _ := clientcheck.Generate(subscriber, 2)
	if bytes.Equal(marshal(t, a)[30:], marshal(t, b)[30:]) {
		t.Errorf("seeds 1 and 2 give the same script")
	}
}

func marshal(t *testing.T, s *scenario.Script) []byte {
	t.Helper()
	b, err := scenario.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGenerateStaysInBounds: every script of thousands of seeds is valid,
// has at most four attempts of its own and the healthy one, at most the
// healthy steps and six more an attempt, durations of the policy's scale,
// and only what the harness's policy allows: no hang for a client without
// a connect timeout, no blackhole and no withheld answer for one without
// a keepalive; and nothing after a step that ends the connection.
func TestGenerateStaysInBounds(t *testing.T) {
	for name, h := range harnesses {
		t.Run(name, func(t *testing.T) {
			unit := cmp.Or(h.Policy.Backoff.Min, time.Second) // a policy of none: a second
			longest := slices.Max([]time.Duration{2 * unit, h.Policy.Backoff.Max,
				h.Policy.Backoff.ResetAfter * 2, h.Policy.Keepalive * 2, h.Policy.ConnectTimeout * 2})
			for seed := uint64(1); seed <= 3000; seed++ {
				s, err := clientcheck.Generate(h, seed)
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				if err := inBounds(s, h, longest); err != nil {
					t.Fatalf("seed %d: %v\n%s", seed, err, marshal(t, s))
				}
			}
		})
	}
}

func inBounds(s *scenario.Script, h clientcheck.Harness, longest time.Duration) error {
	if n := len(s.Attempts); n < 1 || n > 5 {
		return fmt.Errorf("%d attempts, want 1 to 5", n)
	}
	if last := s.Attempts[len(s.Attempts)-1]; !last.Repeat || len(last.Steps) != len(h.Healthy) {
		return fmt.Errorf("the last attempt: repeat %v, %d steps; want the healthy one", last.Repeat, len(last.Steps))
	}
	for i, a := range s.Attempts {
		if n := len(a.Steps); n > len(h.Healthy)+6 {
			return fmt.Errorf("attempt %d: %d steps", i+1, n)
		}
		if _, hangs := a.Answer.(scenario.Hang); hangs && h.Policy.ConnectTimeout == 0 {
			return fmt.Errorf("attempt %d hangs a client that never gives up", i+1)
		}
		if a.After > longest {
			return fmt.Errorf("attempt %d: after %v, longer than %v", i+1, a.After, longest)
		}
		if _, accepted := a.Answer.(scenario.Accept); accepted && len(h.Rules) > 0 && h.Policy.Keepalive == 0 && !slices.ContainsFunc(a.Rules, func(r scenario.Rule) bool { return r.String() == h.Rules[0].String() }) {
			return fmt.Errorf("attempt %d withholds the rules from a client that never notices", i+1)
		}
		for j, st := range a.Steps {
			if err := stepInBounds(st.Action, h, longest); err != nil {
				return fmt.Errorf("attempt %d, step %d: %w", i+1, j+1, err)
			}
			switch st.Action.(type) {
			case scenario.Drop, scenario.Close, scenario.Reset, scenario.DropAll:
				if j != len(a.Steps)-1 {
					return fmt.Errorf("attempt %d, step %d: %s, then more steps", i+1, j+1, st.Action.Name())
				}
			}
		}
	}
	return nil
}

func stepInBounds(act scenario.Action, h clientcheck.Harness, longest time.Duration) error {
	var d time.Duration
	switch act := act.(type) {
	case scenario.Wait:
		d = act.Duration
	case scenario.Down:
		d = act.Duration
	case scenario.Echo:
		d = act.For
	case scenario.AnswerPings:
		if act.Answer.Never() && h.Policy.Keepalive == 0 {
			return fmt.Errorf("no pong for a client that never notices")
		}
		d = act.Answer.Delay()
	case scenario.Inject:
		if act.Fault.Kind() == wstest.BlackholeFault && h.Policy.Keepalive == 0 {
			return fmt.Errorf("a blackhole for a client that never notices")
		}
		d = max(act.Fault.Spec().Delay, act.Fault.Spec().Jitter)
	}
	if d > longest {
		return fmt.Errorf("%s: %v, longer than %v", act.Name(), d, longest)
	}
	return nil
}

// TestGenerateCoversTheVocabulary: the schedules of a few thousand seeds
// use, between them, every answer, refusal status, close code, step, fault
// kind and refinement, and every way to play the harness's rules.
func TestGenerateCoversTheVocabulary(t *testing.T) {
	seen := map[string]bool{}
	for seed := uint64(1); seed <= 3000; seed++ {
		s, err := clientcheck.Generate(subscriber, seed)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range s.Attempts[:len(s.Attempts)-1] {
			vocabulary(a, seen)
		}
	}
	want := []string{"accept", "accept (none)", "accept not-offered", "hang", "abort", "after",
		"rules withheld", "rules late", "an end before the healthy steps", "retry-after",
		"send", "wait", "echo", "close no code", "drop", "reset", "heal", "down", "drop_all", "probability", "direction",
		"ping", "pongs late", "no pong"}
	for _, st := range []int{503, 500, 502, 429, 404, 401, 403} {
		want = append(want, fmt.Sprintf("refuse %d", st))
	}
	for _, c := range []int{1000, 1001, 1011, 1012, 1013, 1008, 4000, 4001} {
		want = append(want, fmt.Sprintf("close %d", c))
	}
	for _, k := range wstest.FaultKinds() {
		want = append(want, string(k.Kind))
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("no schedule of 3000 has %s", w)
		}
	}
}

// vocabulary notes what the attempt uses.
func vocabulary(a scenario.Attempt, seen map[string]bool) {
	switch ans := a.Answer.(type) {
	case scenario.Accept:
		seen[strings.TrimSpace("accept "+ans.Subprotocol)] = true
	case scenario.Refuse:
		seen[fmt.Sprintf("refuse %d", ans.Status)] = true
		seen["retry-after"] = seen["retry-after"] || ans.Header.Get("Retry-After") != ""
	case scenario.Hang:
		seen["hang"] = true
	case scenario.Abort:
		seen["abort"] = true
	}
	seen["after"] = seen["after"] || a.After > 0
	if _, ok := a.Answer.(scenario.Accept); ok && !slices.ContainsFunc(a.Rules, func(r scenario.Rule) bool { return r.String() == subscriber.Rules[0].String() }) {
		seen["rules withheld"] = true
	}
	for _, r := range a.Rules {
		seen["rules late"] = seen["rules late"] || r.Delay > 0
	}
	if len(a.Steps) > 0 {
		_, healthyFirst := a.Steps[0].Action.(scenario.Expect)
		seen["an end before the healthy steps"] = seen["an end before the healthy steps"] || !healthyFirst
	}
	for _, st := range a.Steps {
		switch act := st.Action.(type) {
		case scenario.Close:
			if act.Code == 0 {
				seen["close no code"] = true
			} else {
				seen[fmt.Sprintf("close %d", act.Code)] = true
			}
		case scenario.AnswerPings:
			seen["no pong"] = seen["no pong"] || act.Answer.Never()
			seen["pongs late"] = seen["pongs late"] || act.Answer.Delay() > 0
		case scenario.Inject:
			s := act.Fault.Spec()
			k, _ := wstest.LookupFaultKind(s.Kind)
			seen["probability"] = seen["probability"] || s.Probability != 1
			seen["direction"] = seen["direction"] || s.Direction != k.Default
		}
		seen[st.Action.Name()] = true
	}
}

// TestGenerateFromNothing: an empty fuzz input draws the simplest
// schedule, the healthy attempt alone; any input draws a valid one.
func TestGenerateFromNothing(t *testing.T) {
	s, err := clientcheck.GenerateFrom(subscriber, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Attempts) != 1 || !s.Attempts[0].Repeat {
		t.Errorf("GenerateFrom(nil): got\n%s\nwant the healthy attempt alone", marshal(t, s))
	}
	for _, input := range [][]byte{{0xff}, bytes.Repeat([]byte{0xff}, 200), []byte("any bytes at all, \x00\x01\x02 and more")} {
		if _, err := clientcheck.GenerateFrom(subscriber, input); err != nil {
			t.Errorf("GenerateFrom(%x): %v", input, err)
		}
	}
}

// TestGenerateRefusesABadHarness: a harness whose healthy steps do not
// validate draws no script.
func TestGenerateRefusesABadHarness(t *testing.T) {
	h := clientcheck.Harness{Healthy: []scenario.Step{{Action: scenario.Wait{Duration: -time.Second}}}}
	if _, err := clientcheck.Generate(h, 1); err == nil || !strings.Contains(err.Error(), "negative duration") {
		t.Errorf("Generate: got %v, want the healthy step's error", err)
	}
}

// TestGenerateRawFramesOnlyOnAWire: a schedule for a transport with a wire
// (InMemory) may write raw frames, one for the fake never does, and draws
// as it did before raw frames were drawn at all (the golden files of
// TestGenerateIsReproducible hold it).
func TestGenerateRawFramesOnlyOnAWire(t *testing.T) {
	raws := func(opts ...clientcheck.Option) int {
		n := 0
		for seed := uint64(1); seed <= 300; seed++ {
			s, err := clientcheck.Generate(subscriber, seed, opts...)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range s.Attempts {
				for _, st := range a.Steps {
					if _, ok := st.Action.(scenario.Raw); ok {
						n++
					}
				}
			}
		}
		return n
	}
	if n := raws(); n != 0 {
		t.Errorf("on the fake: %d raw frames in 300 schedules, want none", n)
	}
	if n := raws(clientcheck.InMemory()); n == 0 {
		t.Errorf("in memory: no raw frame in 300 schedules")
	}
}
