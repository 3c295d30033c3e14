//go:build race

package reconnecting_test

// exploreRuns is how many schedules TestExploreSurvives plays: the race
// detector slows a schedule some six times, and the default go test
// ./... -race should take seconds, not a minute.
const exploreRuns = 1000
