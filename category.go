package pressfeed

// ErrorCategory says why a poll, or one way into a source, failed: a short
// stable word that the status page, the metrics and the logs group by. The
// error's own text is the sentence an admin reads.
type ErrorCategory string

// The error categories.
const (
	CatTimeout        ErrorCategory = "timeout"         // no complete answer before the deadline
	CatDNS            ErrorCategory = "dns"             // the host name does not resolve
	CatTLS            ErrorCategory = "tls"             // the secure connection failed
	CatConnect        ErrorCategory = "connect"         // refused, reset or cut off
	CatHTTPStatus     ErrorCategory = "http_status"     // an answer other than 2xx or 304
	CatTooLarge       ErrorCategory = "too_large"       // the body is over the cap
	CatNotAFeed       ErrorCategory = "not_a_feed"      // an HTML page, or not RSS, Atom or JSON Feed
	CatParse          ErrorCategory = "parse"           // a feed, but a broken one
	CatBlockedAddress ErrorCategory = "blocked_address" // a private address, refused
	CatRobots         ErrorCategory = "robots"          // robots.txt forbids it
	CatRedirects      ErrorCategory = "redirects"       // a redirect loop, or too many
	CatStore          ErrorCategory = "store"           // our own store failed
	CatUnsupported    ErrorCategory = "unsupported"     // a source type this build cannot read
	CatNoItems        ErrorCategory = "no_items"        // a listing's item selector matched nothing usable, or a feed had no items
	CatSettings       ErrorCategory = "settings"        // the stored definition is invalid (it bypassed validation)
	// CatBlocked is a site that refuses us rather than a broken source: a
	// 403 or 429, or a bot-challenge page in place of the content. A
	// blocked source keeps its strategy (another way in would be refused
	// too, or be worse) and backs off as any failure does.
	CatBlocked ErrorCategory = "blocked"
	// CatNeedsScript is a page whose news is drawn by JavaScript: the HTML
	// is an empty shell, so only a feed, JSON-LD or the sitemap can read it.
	CatNeedsScript ErrorCategory = "needs_script"
)
