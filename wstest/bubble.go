package wstest

import (
	"errors"
	"fmt"
	"time"

	"github.com/wsdouble/wsdouble/internal/bubble"
)

// ErrWrongBubble is returned when a FakeDialer, or a Fake or Peer it made,
// is used from a goroutine outside the testing/synctest bubble it was made
// in (or, for one made outside any bubble, from inside one). The runtime
// would otherwise end the test binary with a fatal error, or the test would
// hang with its clock stopped.
var ErrWrongBubble = errors.New("wstest: fake used outside the synctest bubble it was made in")

// currentBubble returns the id of the caller's synctest bubble, or 0. It
// costs a microsecond or two; hot paths call onVirtualClock first.
func currentBubble() int { return bubble.ID() }

// virtualEpoch bounds a bubble's clock: every bubble starts at midnight UTC
// 2000-01-01, and no test runs ten years of virtual time.
var virtualEpoch = time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)

// realStart is a reading of the real clock, with its monotonic part: package
// initialization never runs in a bubble.
var realStart = time.Now()

// sinceWorks says onVirtualClock may use time.Since(realStart): the real
// clock read a date after every bubble's.
var sinceWorks = realStart.After(virtualEpoch)

// onVirtualClock reports, cheaply, whether the caller seems to be in a
// bubble. It cannot tell two bubbles apart.
//
// Outside a bubble time.Since(realStart) reads only the monotonic clock
// (half the cost of time.Now) and is never negative; inside one it is the
// bubble's date, before virtualEpoch, less realStart's: negative.
func onVirtualClock() bool {
	if sinceWorks {
		return time.Since(realStart) < 0
	}
	return time.Now().Before(virtualEpoch)
}

// bubbleGuard remembers the bubble an object was made in.
type bubbleGuard struct {
	id      int
	virtual bool
}

func newBubbleGuard() bubbleGuard {
	id := currentBubble()
	return bubbleGuard{id: id, virtual: id != 0}
}

// check returns ErrWrongBubble, explained, if the caller is not in the
// guard's bubble.
func (g bubbleGuard) check(what string) error {
	id := currentBubble()
	if id == g.id {
		return nil
	}
	switch {
	case g.id == 0:
		return fmt.Errorf("%w: %s called inside synctest bubble %d, but the FakeDialer was made outside any bubble; make it inside the function given to synctest.Test", ErrWrongBubble, what, id)
	case id == 0:
		return fmt.Errorf("%w: %s called outside any bubble, but the FakeDialer was made in synctest bubble %d; use it only from goroutines of that bubble, before synctest.Test returns", ErrWrongBubble, what, g.id)
	default:
		return fmt.Errorf("%w: %s called in synctest bubble %d, but the FakeDialer was made in bubble %d", ErrWrongBubble, what, id, g.id)
	}
}

// quick is check for hot paths: exact only when the clock says the caller
// may be in the wrong kind of place (virtual vs real time).
func (g bubbleGuard) quick(what string) error {
	if onVirtualClock() == g.virtual {
		return nil
	}
	return g.check(what)
}
