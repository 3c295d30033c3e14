package bubble_test

import (
	"strings"
	"testing"
	"testing/synctest"

	"github.com/wsdouble/wsdouble/internal/bubble"
)

func TestID(t *testing.T) {
	if id := bubble.ID(); id != 0 {
		t.Errorf("outside: %d", id)
	}
	var first int
	synctest.Test(t, func(t *testing.T) {
		first = bubble.ID()
		done := make(chan int)
		go func() { done <- bubble.ID() }()
		if child := <-done; child != first || first == 0 {
			t.Errorf("bubble %d, its goroutine's %d", first, child)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		if id := bubble.ID(); id == first {
			t.Errorf("a second bubble has the first one's id %d", id)
		}
	})
}

func TestGoroutines(t *testing.T) {
	if gs := bubble.Goroutines(0); len(gs) != 0 {
		t.Errorf("Goroutines(0): got %d, want none (0 is no bubble)", len(gs))
	}
	synctest.Test(t, func(t *testing.T) {
		id := bubble.ID()
		stop := make(chan struct{})
		started := make(chan int)
		go func() {
			started <- 0
			<-stop
		}()
		<-started
		synctest.Wait()
		var found *bubble.Goroutine
		for _, g := range bubble.Goroutines(id) {
			if strings.Contains(g.Stack, "TestGoroutines.func1.1") {
				found = &g
			}
		}
		if found == nil {
			t.Fatalf("Goroutines(%d): the blocked goroutine is missing", id)
		}
		if found.State != "chan receive (durable)" || found.ID <= 0 {
			t.Errorf("Goroutines(%d): got state %q, id %d; want chan receive (durable), a positive id", id, found.State, found.ID)
		}
		close(stop)
	})
}
