package bubble_test

import (
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
