// Package eventloop runs the tasks of one socket in order, one at a time, on
// a goroutine of its own: the socket's dispatch goroutine.
//
// Post never blocks, so a task may post further tasks (a listener that calls
// Send or Close) without deadlock; they run after it returns. The loop is
// built only from a mutex and a sync.Cond, so inside a testing/synctest
// bubble its goroutine is durably blocked while idle.
//
// # Where it fits
//
// The WHATWG WebSockets standard queues a socket's events as tasks on the
// event loop: a listener runs to its end before the next event is
// dispatched, and what a listener causes (its Send, its Close) is seen
// only after it returns. wstest's Fake has no reader goroutine that could
// dispatch in order, so it posts every event to a Loop; the real client
// (package wsdouble) dispatches on its reader goroutine and does not use
// one. A Loop also runs the turns of the socket's bufferedAmount
// (internal/bufamount), between two events, as the browser does.
//
// It is not a worker pool nor a general scheduler: one goroutine, one
// queue, no priorities, no timers. Its queue has no bound of its own (Post
// must not block, or a listener that posts would deadlock its socket): an
// owner that can post without limit has to bound what it posts.
package eventloop
