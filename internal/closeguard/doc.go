// Package closeguard sits between gorilla/websocket's frame reader and the
// transport, and makes a connection receive close frames as the browser
// does where gorilla would not:
//   - gorilla fails the connection on every close code outside its list
//     (1000–1003, 1007–1013, 3000–4999), 1014 (Bad Gateway, registered)
//     among them; Chromium accepts every code but 1005, 1006 and 1015
//     (net/websockets/websocket_channel.cc, ParseClose; measured in
//     headless Chromium 156: 999, 1004, 1014, 1016, 2999, 5000 and 65535
//     arrive as close events with that code, clean). The guard hands gorilla
//     code 1000 in their place and keeps the code sent (SentCode);
//   - gorilla reads a one-byte body as no code (1005), where RFC 6455
//     §5.5.1 and Chromium fail the connection: the guard fails the read
//     with ErrCloseBodySize.
//
// A Conn follows the byte stream: a client's the HTTP response up to its
// blank line, then frame headers, skipping payloads, and holds back a
// close frame until it has the whole frame (at most 14 + 125 bytes). It is
// read by one goroutine at a time (gorilla's reader), so its reading state
// needs no lock. Frames gorilla rejects for other reasons (a fragmented
// control frame, one over 125 bytes) pass unchanged, for gorilla to
// reject.
//
// # Where it fits
//
// The real client (package wsdouble) wraps every transport it dials with
// Client, beneath gorilla and above internal/nbconn, and reports the code
// SentCode gives in its close event; it fails the connection with 1002 on
// ErrCloseBodySize. wstest's Server wraps its end with Server, so that a
// client's echo of a close code gorilla refuses (1014, or any code a test
// sent raw) is not taken for a violation. Code above gorilla never sees a
// Conn: it reads gorilla's errors and asks the guard for the real code.
//
// It is not a frame parser for anything else (it skips payloads, and keeps
// only a close frame's), nor a validator of the whole protocol: gorilla
// still checks everything else, and the guard only changes what gorilla
// would get wrong about close frames.
package closeguard
