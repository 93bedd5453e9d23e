//go:build !unix

package fetch_test

import "time"

// cpuTime is unavailable here; callers fall back to wall time.
func cpuTime() (time.Duration, bool) { return 0, false }
