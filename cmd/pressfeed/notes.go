package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"pressfeed"
	"pressfeed/fetch"
)

// errorText is a failed poll's category and sentence, "timeout: …".
func errorText(err error) string {
	var fe *fetch.Error
	if errors.As(err, &fe) {
		return string(fe.Category) + ": " + fe.Error()
	}
	return err.Error()
}

// stateNotes says what an admin should know from a poll's recorded state:
// a gone feed, a permanent move to accept, when a failing source is tried
// again, and what had to be cut or repaired. It is empty when there is
// nothing to say.
func stateNotes(st pressfeed.SourceState) string {
	var notes []string
	if r := st.Resolution; !r.At.IsZero() && r.At.Equal(st.LastAttempt) {
		notes = append(notes, "strategies tried: "+r.Summary())
	}
	if st.Gone {
		notes = append(notes, "gone (410): kept, and still checked now and then")
	}
	if st.MovedTo != "" {
		notes = append(notes, "moved permanently to "+st.MovedTo+": edit the source's URL to accept")
	}
	if !st.NextAttempt.IsZero() {
		notes = append(notes, fmt.Sprintf("next attempt %s: %s", st.NextAttempt.UTC().Format(time.RFC3339), st.NextReason))
	}
	notes = append(notes, st.Warnings...)
	if len(notes) == 0 {
		return ""
	}
	return " [" + strings.Join(notes, "; ") + "]"
}
