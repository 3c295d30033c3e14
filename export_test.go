package wsdouble

// TLSBelowGuard is tlsBelowGuard, for the tests of package wsdouble_test.
var TLSBelowGuard = tlsBelowGuard
