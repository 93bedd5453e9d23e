//go:build race

package fetch_test

// slowdown scales time guards: the race detector makes code 5–10× slower.
const slowdown = 10
