package mockws

// The mocks are regenerated with `go generate ./...`, by the mockgen pinned
// as a tool in go.mod; CI fails when the committed files differ.

//go:generate go tool mockgen -typed -write_package_comment=false -package=mockws -destination=wsdouble_mock.go github.com/wsdouble/wsdouble IWebSocket,WebSocketLike,Listener
//go:generate go tool mockgen -typed -write_package_comment=false -package=mockws -destination=wstest_mock.go github.com/wsdouble/wsdouble/wstest Peer,Attempt,Acceptor
