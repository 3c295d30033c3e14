package wstest_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble/wstest"
)

// TestFaultKinds: every row of the fault table is whole, and a fault of
// each kind goes through FaultSpec and TimeScaled as its row says.
func TestFaultKinds(t *testing.T) {
	seen := map[wstest.FaultKind]bool{}
	for _, k := range wstest.FaultKinds() {
		t.Run(string(k.Kind), func(t *testing.T) {
			if seen[k.Kind] {
				t.Fatalf("kind %q appears twice", k.Kind)
			}
			seen[k.Kind] = true
			if got, ok := wstest.LookupFaultKind(k.Kind); !ok || got.Kind != k.Kind {
				t.Errorf("LookupFaultKind(%q): %v, %v", k.Kind, got.Kind, ok)
			}
			if k.Doc == "" || k.Default == 0 || k.Default&^k.Directions != 0 {
				t.Errorf("row: Doc %q, Default %v, Directions %v: want a doc and a default among the directions", k.Doc, k.Default, k.Directions)
			}
			// A fault with every parameter set to a value of its type.
			s := wstest.FaultSpec{Kind: k.Kind, Direction: k.Default, Probability: 0.5, Seed: 7}
			names := map[string]bool{}
			for i, p := range k.Params {
				if names[p.Name] || p.Name == "" || p.Doc == "" || p.Max < p.Min {
					t.Errorf("param %d %q: empty, repeated, undocumented or empty range", i, p.Name)
				}
				names[p.Name] = true
				if k.OneOf && i > 0 {
					continue
				}
				v := max(p.Min, 3)
				if p.Type == wstest.DurationParam {
					v = int64(3 * time.Second)
				}
				p.Set(&s, v)
				if got := p.Get(s); got != v {
					t.Errorf("param %q: Set %d, Get %d", p.Name, v, got)
				}
			}
			f, err := wstest.FaultFromSpec(s)
			if err != nil {
				t.Fatalf("FaultFromSpec(%+v): %v", s, err)
			}
			if got := f.Spec(); got != s {
				t.Errorf("Spec: got %+v, want %+v", got, s)
			}
			if str := f.String(); !strings.HasPrefix(str, string(k.Kind)) || !strings.HasSuffix(str, "p=0.5") {
				t.Errorf("String: %q, want the kind first and the probability last", str)
			}
			slow, err := f.TimeScaled(2)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range k.Params {
				want := p.Get(s)
				switch p.Type {
				case wstest.DurationParam:
					want *= 2
				case wstest.RateParam:
					want = max(want/2, 1)
				}
				if got := p.Get(slow.Spec()); got != want {
					t.Errorf("TimeScaled(2): %s %d, want %d", p.Name, got, want)
				}
			}
		})
	}
}

// TestFaultValidate: a row's ranges and directions are checked.
func TestFaultValidate(t *testing.T) {
	for _, tt := range []struct {
		f    wstest.Fault
		want string
	}{
		{wstest.Fault{}, "the zero Fault"},
		{wstest.Bandwidth(0), "bandwidth 0 bytes/s is not positive"},
		{wstest.Slicer(0, 0), "slice size 0 is not positive"},
		{wstest.Slicer(4, 0).Only(wstest.Both), "a slicer acts on messages to the client only"},
		{wstest.LimitData(-1), "limit -1 bytes is negative"},
		{wstest.DropAfterMessages(-2), "-2 messages is negative"},
		{wstest.Latency(-time.Second), "negative duration"},
		{wstest.Latency(time.Second).Jitter(-1), "negative duration"},
		{wstest.Blackhole().Probability(2), "probability 2 is not in [0, 1]"},
		{wstest.Blackhole().Only(0), "invalid direction"},
	} {
		err := tt.f.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: Validate: %v, want %q", tt.f, err, tt.want)
		}
	}
	for _, k := range wstest.FaultKinds() {
		s := wstest.FaultSpec{Kind: k.Kind, Direction: k.Default, Probability: 1, Seed: 1}
		for _, p := range k.Params {
			p.Set(&s, p.Min)
			if k.OneOf {
				break
			}
		}
		if _, err := wstest.FaultFromSpec(s); err != nil {
			t.Errorf("%s at its parameters' minimum: %v", k.Kind, err)
		}
	}
}

// TestFaultOneOf: a fault of a OneOf row with more than one of its
// parameters set is invalid, as the file format says. It was valid, kept
// only the count (DropAfter: the delay was never armed), and made a
// script that Marshal wrote and Load refused, and whose Go code
// (scenario.GoSource) dropped the delay.
func TestFaultOneOf(t *testing.T) {
	s := wstest.FaultSpec{Kind: wstest.DropAfterFault, Messages: 2, Delay: time.Second, Direction: wstest.Both, Probability: 1, Seed: 1}
	if _, err := wstest.FaultFromSpec(s); err == nil || !strings.Contains(err.Error(), "wstest: fault drop_after: both messages and delay: want one of them") {
		t.Errorf("FaultFromSpec(%+v): %v, want an error naming both", s, err)
	}
	for _, one := range []wstest.Fault{wstest.DropAfterMessages(2), wstest.DropAfter(time.Second), wstest.DropAfterMessages(0)} {
		if err := one.Validate(); err != nil {
			t.Errorf("%v: Validate: %v", one, err)
		}
	}
}

// ExampleFaultKinds prints the fault table: each kind, its parameters (as
// the scenario file format names them) and what it does. Each kind has a
// constructor of the same name (Latency, Bandwidth, ...).
func ExampleFaultKinds() {
	for _, k := range wstest.FaultKinds() {
		var params []string
		for _, p := range k.Params {
			s := p.Name
			if !p.Required {
				s += "?"
			}
			params = append(params, s)
		}
		sep := ", "
		if k.OneOf {
			sep = " | "
		}
		fmt.Printf("%-14s %-26s %s\n", k.Kind, strings.Join(params, sep), k.Doc)
	}
	// Output:
	// latency        delay, jitter?             each message takes delay ± jitter; order is kept
	// bandwidth      bytes_per_second           each message takes its size over the rate, queued behind the last
	// slicer         size, delay?               messages to the client in continuation frames of size bytes, delay apart
	// blackhole                                 nothing is delivered, pings unanswered, no close, no FIN
	// slow_close     delay                      the client's close frame is answered delay late
	// no_close_reply                            the client's close frame is never answered: its close timeout must fire
	// limit_data     bytes                      the connection is dropped once n bytes went through
	// drop_after     messages? | delay?         the connection is dropped after n messages, or d after the fault was applied
	// stall          delay                      nothing is delivered for delay, then everything queued meanwhile, in order
}
