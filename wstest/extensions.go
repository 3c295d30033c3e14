package wstest

import (
	"net/http"

	"github.com/gorilla/websocket"
)

// answerExtensions makes a Server's Accept answer with the
// Sec-WebSocket-Extensions value ext, as AcceptOptions.Extensions says,
// instead of negotiating extensions itself (see Compression): up, the
// Upgrader of this answer, negotiates none, and the header handed to it
// carries ext.
//
// gorilla's Upgrade refuses that header among the ones it is given ("
// application specific 'Sec-WebSocket-Extensions' headers are
// unsupported") when it finds it under its canonical key,
// Sec-Websocket-Extensions, and writes every other key as it is: the key
// is spelt here as RFC 6455 spells it, which the lookup does not find,
// and header names are case-insensitive (RFC 9110 §5.1), so the client
// reads it as usual. TestServerAnswersExtensions checks that it does.
//
// The Server runs none of the extensions it names: a client that takes up
// permessage-deflate and sends a compressed frame (RSV1 set) breaks the
// protocol for it, and the connection ends with 1002.
func answerExtensions(up *websocket.Upgrader, h http.Header, ext string) {
	up.EnableCompression = false
	h.Del("Sec-WebSocket-Extensions")
	h["Sec-WebSocket-Extensions"] = []string{ext}
}
