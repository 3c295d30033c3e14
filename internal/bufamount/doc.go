// Package bufamount keeps a socket's bufferedAmount the way the WHATWG
// WebSockets standard defines it: "the number of bytes of application data
// that have been queued using send() but that, as of the last time the event
// loop reached step 1, had not yet been transmitted to the network". The
// count grows at once with every send and falls only at a turn of the
// socket's event loop, never during a task, so a listener that sends 4 bytes
// reads 4 until it returns, however long it runs (web-platform-tests
// websockets/bufferedAmount-unchanged-by-sync-xhr).
//
// Chromium, the reference, learns that the network took the bytes from its
// network service and lowers the count in a task of its own, soon after
// (measured in headless Chromium 156: 4 right after sending 4 bytes, still 4
// after a 200 ms busy loop in the same task, lower at the next setTimeout).
// An Amount does the same: Send and Taken ask the socket's Loop for a
// turn; the socket runs Turn at the next
// moment no listener runs, and each dispatch begins with one (BeginTask).
//
// Both of wsdouble's sockets keep one, the real client and wstest's Fake, so
// that they cannot disagree.
//
// # Where it fits
//
// The real client (package wsdouble) takes its transport's pending bytes
// from internal/nbconn (Buffered, and OnTaken for Taken) and runs turns on
// its dispatch goroutine; wstest's Fake, which has no transport, counts
// what its server end has not yet received and runs turns as tasks of its
// internal/eventloop. The count is internal because it is only ever read
// through IWebSocket.BufferedAmount.
//
// It is not flow control: nothing waits on the count, and a socket never
// refuses a send because it is high, as the browser does not. It counts
// message data only, not frame headers, as the standard says.
package bufamount
