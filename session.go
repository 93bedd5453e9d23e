package pressfeed

import "time"

// AdminSession is what the store keeps of a signed-in admin's session:
// never its id, only the id's hash, so a copy of the store (a backup)
// signs nobody in.
type AdminSession struct {
	Hash    string    `json:"-"` // hex SHA-256 of the id: the key
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	// Account fingerprints the account's password hash at sign-in: a
	// session whose account has since changed its password, or gone, is
	// no longer valid.
	Account string `json:"account"`
}
