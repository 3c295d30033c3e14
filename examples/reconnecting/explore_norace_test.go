//go:build !race

package reconnecting_test

// exploreRuns is how many schedules TestExploreSurvives plays.
const exploreRuns = 10000
