package pressfeed

import (
	"time"
	_ "time/tzdata" // Europe/London must resolve on a machine without a zone database
)

// london is loaded once; a *time.Location is safe to share.
var london = loadLondon()

func loadLondon() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("time/tzdata is embedded but Europe/London did not load: " + err.Error())
	}
	return loc
}

// London returns Europe/London, the zone the region's pages write their
// dates in and the desk shows them in. The zone database is compiled in,
// so it is the same on a machine without one.
func London() *time.Location { return london }
