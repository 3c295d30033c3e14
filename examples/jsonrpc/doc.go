// Package jsonrpc is a small JSON-RPC 2.0 client for subscriptions over a
// WebSocket, in the style of Ethereum nodes' eth_subscribe: it sends a
// request with an id, takes the reply with the same id, and hands the
// notifications of its subscriptions to a callback. On a socket that
// reconnects (examples/reconnecting), it subscribes again on every open:
// a server forgets subscriptions with the connection.
//
// Its tests play the server's part with a scenario whose rules answer each
// request with its id (testdata/subscribe.json); examples/ethrpc plays the
// same script to go-ethereum's rpc client.
//
// It is an example of testing a protocol whose replies carry the
// request's id, in whatever order requests come: a script's rules answer
// them (see scenario's "Rules"), where steps alone could not know the ids.
// It is not a JSON-RPC library: it sends eth_subscribe only, and knows no
// batches and no other calls.
package jsonrpc
