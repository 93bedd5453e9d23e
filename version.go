package pressfeed

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrConflict is returned when a change names the version of a source it
// was made against and the source has changed since.
var ErrConflict = errors.New("changed since")

// Version identifies a source's definition: it changes whenever any of its
// fields does, so an admin's edit can say which definition it was made
// against (an API ETag, a hidden form field) and be refused if another
// admin saved a different one meanwhile.
func (s Source) Version() string {
	b, _ := json.Marshal(s) // a Source always encodes
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:10])
}

// ConflictError says who changed a source, and when, since the version a
// change was made against. It wraps ErrConflict.
type ConflictError struct {
	Current Source // the definition stored now
	By      Actor  // who saved it; zero when the audit log does not say
	At      time.Time
}

func (e *ConflictError) Error() string {
	who := "someone"
	if e.By.Name != "" {
		who = e.By.String()
	}
	when := ""
	if !e.At.IsZero() {
		when = " at " + e.At.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("source %s was changed by %s%s since the version the change was made against (it is now %s)", e.Current.ID, who, when, e.Current.Version())
}

func (e *ConflictError) Unwrap() error { return ErrConflict }
