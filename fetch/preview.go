package fetch

import (
	"context"
	"fmt"

	"pressfeed"
)

// Preview is what polling a source would store, found without storing it.
type Preview struct {
	Items    []pressfeed.Item // as normalized for the store, in document order
	FinalURL string           // where the document was fetched from, after redirects
	Warnings []string         // things an admin should know before saving
}

// Preview fetches and parses src as Poll does, with the same client,
// limits and address guard, but without validators (so it always gets the
// whole document) and without touching the sink. It returns the error a
// poll would record, an *Error with its category.
func (p *Poller) Preview(ctx context.Context, src pressfeed.Source) (Preview, error) {
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	items, resp, err := p.fetchItems(ctx, src, pressfeed.SourceState{})
	if err != nil {
		return Preview{}, categorize(err)
	}
	pv := Preview{Items: items}
	if resp != nil && resp.URL != nil {
		pv.FinalURL = resp.URL.String()
	}
	pv.Warnings = previewWarnings(src, pv)
	return pv, nil
}

// previewWarnings names what would make the source a poor one: nothing to
// show, items a reader cannot open or date, a URL that redirects.
func previewWarnings(src pressfeed.Source, pv Preview) []string {
	var out []string
	if len(pv.Items) == 0 {
		out = append(out, "the document has no items")
	}
	var noLink, noDate int
	for _, it := range pv.Items {
		if it.Link == "" {
			noLink++
		}
		if it.Published.IsZero() {
			noDate++
		}
	}
	if noLink > 0 {
		out = append(out, fmt.Sprintf("%d of %d items have no link", noLink, len(pv.Items)))
	}
	if noDate > 0 {
		out = append(out, fmt.Sprintf("%d of %d items have no date; they will be dated when first seen", noDate, len(pv.Items)))
	}
	if pv.FinalURL != "" && pv.FinalURL != src.URL {
		out = append(out, fmt.Sprintf("the URL redirects to %s; consider saving that instead", pv.FinalURL))
	}
	return out
}
