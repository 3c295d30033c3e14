package main

// Main is run, for the tests of package main_test: they run the command in
// process, as main does, and see it from outside, as a user does.
var Main = run
