//go:build race

package scenario

// raceEnabled: the race detector changes what escapes to the heap, so heap
// figures measured under it are not the program's.
const raceEnabled = true
