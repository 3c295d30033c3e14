// Package graphqlws is a small client of the graphql-transport-ws
// protocol (the GraphQL over WebSocket protocol of the graphql-ws
// library): it opens with connection_init, waits for connection_ack,
// subscribes with ids of its own, hands each next's payload to a callback
// until complete, and answers the server's pings with pongs.
//
// Its test plays the server's part with a scenario whose rules
// acknowledge the connection, answer each subscribe with next and
// complete messages carrying the subscription's own id, and answer pings
// (testdata/subscription.json).
//
// It is an example of testing a subprotocol: the client offers
// graphql-transport-ws in the handshake and the script's accept chooses
// it, rules answer each subscription under its own id, and a step pings
// the client and expects its pong, an application-level heartbeat beside
// WebSocket's own. It is not a GraphQL client: it neither parses queries
// nor retries, and it runs on one socket, which it does not reconnect.
package graphqlws
