package scenario

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble/wstest"
)

// Every fault the wstest constructors make, with and without its options,
// survives Marshal and Parse unchanged.
func TestEveryFaultRoundTrips(t *testing.T) {
	faults := []wstest.Fault{
		wstest.Latency(30 * time.Second),
		wstest.Latency(time.Millisecond).Jitter(500 * time.Microsecond).Only(wstest.FromClient).Seed(9),
		wstest.Bandwidth(1),
		wstest.Bandwidth(1 << 20).Only(wstest.ToClient).Probability(0.25),
		wstest.Slicer(1, 0),
		wstest.Slicer(3, time.Second).Only(wstest.ToClient).Probability(0.5),
		wstest.Blackhole(),
		wstest.Blackhole().Only(wstest.ToClient),
		wstest.SlowClose(time.Minute),
		wstest.NoCloseReply(),
		wstest.LimitData(0),
		wstest.LimitData(1 << 40).Only(wstest.FromClient),
		wstest.DropAfterMessages(0),
		wstest.DropAfterMessages(5).Probability(0.125).Seed(1<<64 - 1),
		wstest.DropAfter(90 * time.Second),
	}
	b := New("every fault")
	b.Attempt().Abort()
	a := b.Attempt().Accept()
	for _, f := range faults {
		a.Inject(f)
	}
	a.Heal().Reset()
	b.Attempt().Accept().Down(10 * time.Second).DropAll()
	s, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("Parse(Marshal(s)): %v\n%s", err, out)
	}
	if !reflect.DeepEqual(normalize(back), normalize(s)) {
		t.Errorf("Parse(Marshal(s)) != s\n%s", out)
		for i, st := range back.Attempts[1].Steps {
			if want := s.Attempts[1].Steps[i]; !reflect.DeepEqual(st, want) {
				t.Errorf("step %d: got %#v, want %#v", i+1, st.Action, want.Action)
			}
		}
	}
	// The Fault's own String, which reports show, is kept too.
	for i, f := range faults {
		if got := back.Attempts[1].Steps[i].Action.(Inject).Fault.String(); got != f.String() {
			t.Errorf("fault %d: %s, want %s", i+1, got, f.String())
		}
	}
}
