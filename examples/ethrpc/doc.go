// Package ethrpc plays the JSON-RPC subscription script of
// examples/jsonrpc (testdata/subscribe.json) to a client no one here
// wrote: go-ethereum's rpc package, over the in-memory transport in
// virtual time and over loopback. Its rules answer eth_subscribe with
// geth's own request ids; after the drop, geth's client reports the lost
// subscription, redials on the next call, and subscribes again.
//
// It has no code of its own: its tests and its Example are the package.
// They show that a script written for one client tests another unchanged,
// and that a library which takes a gorilla Dialer (rpc.WithWebsocketDialer)
// reaches a wstest.Server in memory through the Server's Dialer. It is not
// a test of go-ethereum: it checks only what the script expects of any
// subscriber.
//
// It is a module of its own, so that go-ethereum and its dependencies stay
// out of wsdouble's go.mod; .ci/run tests it too.
package ethrpc
