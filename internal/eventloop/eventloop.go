package eventloop

import (
	"runtime"
	"sync"

	"github.com/wsdouble/wsdouble/internal/latch"
)

// Runner runs the tasks of a loop started with Init: an interface rather
// than a func so that a socket can be its own runner without allocating a
// method value.
type Runner[T any] interface {
	// RunTask runs one task; true stops the loop.
	RunTask(T) (stop bool)
}

// Loop is a queue of tasks of type T and the goroutine that runs them. A
// Loop is made by Start, or embedded in its owner and started with Init;
// it must not be copied.
type Loop[T any] struct {
	runner Runner[T]

	mu       sync.Mutex
	wake     sync.Cond // L is &mu
	queue    []T       // queue[head:] is waiting
	head     int
	sleeping bool // the goroutine waits on wake; the next Post wakes it
	stopped  bool
	done     latch.Latch
	// first backs the queue until more than one task waits at once,
	// which most sockets never see.
	first [1]T
}

// funcRunner adapts a func to Runner.
type funcRunner[T any] func(T) bool

func (f funcRunner[T]) RunTask(v T) bool { return f(v) }

// Start starts a loop that calls run for each posted task, in order. When
// run returns true the loop stops: its goroutine ends and later posts are
// dropped.
func Start[T any](run func(T) (stop bool)) *Loop[T] {
	l := new(Loop[T])
	l.Init(funcRunner[T](run))
	return l
}

// Init starts l, a zero Loop, as Start does, with r running the tasks.
func (l *Loop[T]) Init(r Runner[T]) {
	l.runner = r
	l.queue = l.first[:0]
	l.wake.L = &l.mu
	go l.loop()
}

// Post queues v. It reports false if the loop has stopped and v was dropped.
func (l *Loop[T]) Post(v T) bool {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return false
	}
	if l.head > 0 && len(l.queue) == cap(l.queue) {
		// Full, with room at the front: move the waiting tasks down
		// rather than grow.
		n := copy(l.queue, l.queue[l.head:])
		clear(l.queue[n:])
		l.queue = l.queue[:n]
		l.head = 0
	}
	l.queue = append(l.queue, v)
	wake := l.sleeping
	l.sleeping = false
	l.mu.Unlock()
	if wake {
		// The loop joined wake's list before it let go of mu.
		l.wake.Signal()
	}
	return true
}

// Done is closed when the loop has stopped.
func (l *Loop[T]) Done() <-chan struct{} { return l.done.Done() }

func (l *Loop[T]) loop() {
	defer l.done.Close()
	var zero T
	yielded := false
	for {
		l.mu.Lock()
		if len(l.queue) == 0 && !yielded {
			// Empty: before sleeping, let the goroutines made runnable
			// by the tasks run first (a listener that woke the code
			// waiting for its event). That code often posts again at
			// once, and finds the loop awake: a round trip then costs
			// no park and no wake-up.
			l.mu.Unlock()
			yielded = true
			runtime.Gosched()
			continue
		}
		yielded = false
		if len(l.queue) == 0 {
			// Still empty: sleep, dropping the array if a burst made it
			// large.
			if cap(l.queue) > 1024 {
				l.queue = l.first[:0]
			}
			l.sleeping = true
			for l.sleeping {
				l.wake.Wait()
			}
			l.mu.Unlock()
			continue
		}
		v := l.queue[l.head]
		l.queue[l.head] = zero // drop the queue's reference to the task
		if l.head++; l.head == len(l.queue) {
			l.queue = l.queue[:0] // empty: Post appends from the start
			l.head = 0
		}
		l.mu.Unlock()
		if l.runner.RunTask(v) {
			l.mu.Lock()
			l.stopped = true
			clear(l.queue[l.head:])
			l.queue = nil
			l.head = 0
			l.mu.Unlock()
			return
		}
	}
}
