package eventloop_test

import (
	"sync/atomic"
	"testing"
	"testing/synctest"

	"go.uber.org/goleak"

	"github.com/wsdouble/wsdouble/internal/eventloop"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestOrderReentrancyAndStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var got []int
		var l *eventloop.Loop[int]
		var inside atomic.Int32
		l = eventloop.Start(func(v int) bool {
			if inside.Add(1) != 1 {
				t.Error("two tasks ran at once")
			}
			defer inside.Add(-1)
			got = append(got, v)
			if v == 1 {
				l.Post(100) // re-entrant: runs after the tasks already queued
			}
			return v == 100
		})
		for i := range 5 {
			l.Post(i)
		}
		<-l.Done()
		want := []int{0, 1, 2, 3, 4, 100}
		if len(got) != len(want) {
			t.Fatalf("ran %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("ran %v, want %v", got, want)
			}
		}
		if l.Post(7) {
			t.Error("Post after stop: got true, want false")
		}
	})
}

func TestIdleLoopIsDurablyBlocked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := eventloop.Start(func(v int) bool { return v < 0 })
		synctest.Wait() // returns only if the loop goroutine is durably blocked
		l.Post(-1)
		<-l.Done()
	})
}

func BenchmarkPost(b *testing.B) {
	done := make(chan struct{})
	l := eventloop.Start(func(v int) bool {
		if v >= 0 {
			done <- struct{}{}
		}
		return v < 0
	})
	b.ReportAllocs()
	for b.Loop() {
		l.Post(1)
		<-done
	}
	l.Post(-1)
	<-l.Done()
}
