// Package eventloop runs the tasks of one socket in order, one at a time, on
// a goroutine of its own: the socket's dispatch goroutine.
//
// Post never blocks, so a task may post further tasks (a listener that calls
// Send or Close) without deadlock; they run after it returns. The loop is
// built only from a mutex and a channel made by Start, so inside a
// testing/synctest bubble its goroutine is durably blocked while idle.
package eventloop

import (
	"sync"

	"github.com/wsdouble/wsdouble/internal/latch"
)

// Loop is a queue of tasks of type T and the goroutine that runs them.
type Loop[T any] struct {
	run func(T) (stop bool)

	mu      sync.Mutex
	queue   []T
	spare   []T // the previous batch's backing array, reused
	stopped bool
	wake    chan struct{}
	done    latch.Latch
}

// Start starts a loop that calls run for each posted task, in order. When
// run returns true the loop stops: its goroutine ends and later posts are
// dropped.
func Start[T any](run func(T) (stop bool)) *Loop[T] {
	l := &Loop[T]{
		run:  run,
		wake: make(chan struct{}, 1),
	}
	go l.loop()
	return l
}

// Post queues v. It reports false if the loop has stopped and v was dropped.
func (l *Loop[T]) Post(v T) bool {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return false
	}
	l.queue = append(l.queue, v)
	first := len(l.queue) == 1
	l.mu.Unlock()
	if first {
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
	return true
}

// Done is closed when the loop has stopped.
func (l *Loop[T]) Done() <-chan struct{} { return l.done.Done() }

func (l *Loop[T]) loop() {
	defer l.done.Close()
	for {
		<-l.wake
		for {
			l.mu.Lock()
			batch := l.queue
			l.queue = l.spare[:0]
			l.spare = nil
			l.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			for i := range batch {
				stop := l.run(batch[i])
				var zero T
				batch[i] = zero // drop references held by the task
				if stop {
					l.mu.Lock()
					l.stopped = true
					l.queue = nil
					l.mu.Unlock()
					return
				}
			}
			l.mu.Lock()
			if l.spare == nil && cap(batch) <= 1024 {
				l.spare = batch
			}
			l.mu.Unlock()
		}
	}
}
