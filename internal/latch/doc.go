// Package latch is a one-way signal whose channel is made only if someone
// asks for it: most sockets are never waited on, and a channel per socket
// and per attempt adds up in code that makes thousands of them.
//
// A Latch is closed once and stays closed. Close reports whether this call
// was the one that closed it, so that the owner that ends a thing runs its
// ending once; Done gives the channel to select on; Closed asks without
// waiting.
//
// # Where it fits
//
// It sits at the bottom of wstest's connection core: a connection's end
// (wstest's conn), a Fake's attempt being answered, and the stop of a
// socket's event loop (internal/eventloop) are each a Latch. The channel
// is made by the first caller of Done, not with the Latch: inside a
// testing/synctest bubble it then belongs to the bubble of the code that
// waits on it, whoever made the Latch.
//
// It is not a broadcast that can fire twice, nor a value carrier, nor a
// replacement for context cancellation: a Latch has no cause and no
// deadline. Code that needs those takes a context.Context.
package latch
