package fetch

import (
	"bytes"
	"fmt"
	"net/http"
	"pressfeed"
)

// challengeMarks are what bot-challenge and firewall pages carry, lower
// case. Cloudflare's email protection (/cdn-cgi/l/email-protection,
// __cf_email__) is on ordinary pages and is deliberately not among them.
var challengeMarks = [][]byte{
	[]byte("cf-chl-"), []byte("cf_chl_"), []byte("/cdn-cgi/challenge-platform/"),
	[]byte("<title>just a moment...</title>"), []byte("<title>attention required! | cloudflare</title>"),
	[]byte("checking your browser before accessing"), []byte("enable javascript and cookies to continue"),
	[]byte("_incapsula_resource"), []byte("incapsula incident id"),
	[]byte("<title>access denied</title>"), []byte("errors.edgesuite.net"),
	[]byte("request unsuccessful. incapsula"), []byte("ddos protection by"),
	[]byte("/_guard/"), []byte("sucuri website firewall"),
}

// detectChallenge reports a response that is a firewall's refusal or a bot
// challenge instead of the page or feed asked for: an *Error of category
// pressfeed.CatBlocked whose sentence says what to do, or nil. status 403 and 429 are
// refusals whatever the body; other statuses are judged by the body, of
// which only the first 64 KiB of an HTML answer is read.
func detectChallenge(host string, status int, header http.Header, body []byte, userAgent string) error {
	what := ""
	switch {
	case status == http.StatusTooManyRequests:
		return failure(pressfeed.CatBlocked, nil, "%s answered 429 Too Many Requests: the site limits how often we ask (blocked, not broken) "+
			"and pressfeed waits as it asks; if it goes on, lengthen the source's schedule or ask the site to allow the User-Agent %q", host, userAgent)
	case status == http.StatusForbidden:
		what = fmt.Sprintf("%s answered 403 Forbidden", host)
	case header.Get("Cf-Mitigated") == "challenge":
		what = fmt.Sprintf("%s answered with a Cloudflare challenge (HTTP %d)", host, status)
	case isChallengePage(header.Get("Content-Type"), body):
		what = fmt.Sprintf("%s answered with a bot-challenge page (HTTP %d)", host, status)
	default:
		return nil
	}
	if title := htmlTitle(body); title != "" {
		what += fmt.Sprintf(" titled %q", title)
	}
	return failure(pressfeed.CatBlocked, nil, "%s: the site refuses this machine (blocked, not broken). "+
		"Sites like this often refuse cloud and data-centre addresses: run pressfeed from another network, "+
		"or ask the site to allow the User-Agent %q", what, userAgent)
}

// isChallengePage reports whether an HTML body carries a challenge page's
// marks.
func isChallengePage(contentType string, body []byte) bool {
	if len(body) == 0 || (!isHTMLType(contentType) && !startsLikeHTML(bytes.TrimLeft(body, " \t\r\n"))) {
		return false
	}
	head := body
	if len(head) > 64<<10 {
		head = head[:64<<10]
	}
	head = bytes.ToLower(head)
	for _, m := range challengeMarks {
		if bytes.Contains(head, m) {
			return true
		}
	}
	return false
}
