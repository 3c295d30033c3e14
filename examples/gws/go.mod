module github.com/wsdouble/wsdouble/examples/gws

go 1.26

require (
	github.com/lxzan/gws v1.8.9
	github.com/wsdouble/wsdouble v0.0.0
	go.uber.org/goleak v1.3.0
)

require (
	github.com/dolthub/maphash v0.1.0 // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/klauspost/compress v1.17.9 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)

// The examples test the wsdouble of this checkout.
replace github.com/wsdouble/wsdouble => ../..
