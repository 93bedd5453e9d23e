//go:build !race

package fetch_test

// slowdown scales time guards: 1 without the race detector.
const slowdown = 1
