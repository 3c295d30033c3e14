package latch_test

import (
	"testing"

	"github.com/wsdouble/wsdouble/internal/latch"
)

func TestLatch(t *testing.T) {
	var early, late latch.Latch
	ch := early.Done()
	select {
	case <-ch:
		t.Fatal("open latch: Done is closed")
	default:
	}
	if !early.Close() || early.Close() {
		t.Error("Close: want true once, then false")
	}
	<-ch
	late.Close()
	<-late.Done() // made after Close: already closed
	if !late.Closed() {
		t.Error("Closed: got false")
	}
}
