package bubble_test

import (
	"fmt"

	"github.com/wsdouble/wsdouble/internal/bubble"
)

// fake remembers the bubble it was made in, as wstest's FakeDialer does,
// and refuses a call from any other: used from a goroutine of another
// bubble, its channels would end the test binary with a fatal error.
type fake struct{ bubble int }

func newFake() *fake { return &fake{bubble: bubble.ID()} }

func (f *fake) use() error {
	if id := bubble.ID(); id != f.bubble {
		return fmt.Errorf("fake made in bubble %d, used in bubble %d", f.bubble, id)
	}
	return nil
}

// A fake made outside any bubble: ID is 0 on the goroutine that made it
// and on every goroutine outside a bubble, so each of them may use it. A
// test that made it outside synctest.Test and used it inside would get
// the error instead ("fake made in bubble 0, used in bubble 1"); an
// Example cannot show that, as only synctest.Test, which needs a
// *testing.T, makes a bubble (TestID does it).
func Example() {
	f := newFake()
	fmt.Println("made in bubble", bubble.ID())
	used := make(chan error)
	go func() { used <- f.use() }()
	fmt.Println("used from another goroutine:", <-used)
	// Output:
	// made in bubble 0
	// used from another goroutine: <nil>
}
