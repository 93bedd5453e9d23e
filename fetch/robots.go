package fetch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"pressfeed"
)

// robotsTTL is how long a robots.txt is trusted; RFC 9309 asks crawlers not
// to cache one for longer than a day.
const robotsTTL = 24 * time.Hour

// ErrRobotsDisallowed is returned when a site's robots.txt forbids a page to
// our user agent. Sources override it only with ignore_robots.
var ErrRobotsDisallowed = errors.New("robots.txt disallows it")

// robotsRules are the rules of one robots.txt that apply to us.
type robotsRules struct {
	allowAll bool // no robots.txt (4xx): everything is allowed
	rules    []robotsRule
	sitemaps []string // the Sitemap: lines, whichever group they stand in
}

type robotsRule struct {
	allow   bool
	pattern string // path pattern; * matches any run, a final $ anchors the end
}

// parseRobots reads a robots.txt (RFC 9309) and keeps the rules of the
// groups naming agent (the product token of our User-Agent), or of the "*"
// groups when none names it.
func parseRobots(body []byte, agent string) *robotsRules {
	agent = strings.ToLower(agent)
	type group struct {
		agents []string
		rules  []robotsRule
	}
	var (
		groups   []*group
		cur      *group
		inAgents bool
		sitemaps []string
	)
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		value = strings.TrimSpace(value)
		switch key {
		case "user-agent":
			if !inAgents {
				cur = &group{}
				groups = append(groups, cur)
				inAgents = true
			}
			cur.agents = append(cur.agents, strings.ToLower(value))
		case "sitemap":
			sitemaps = append(sitemaps, value)
			continue
		case "allow", "disallow":
			inAgents = false
			if cur == nil || value == "" {
				continue // a rule before any group, or an empty Disallow: allows all
			}
			cur.rules = append(cur.rules, robotsRule{allow: key == "allow", pattern: value})
		}
	}
	out := &robotsRules{sitemaps: sitemaps}
	var star []robotsRule
	named := false
	for _, g := range groups {
		for _, a := range g.agents {
			switch {
			case a == agent:
				out.rules = append(out.rules, g.rules...)
				named = true
			case a == "*":
				star = append(star, g.rules...)
			}
		}
	}
	if !named {
		out.rules = star
	}
	return out
}

// allowed reports whether the path-and-query target may be fetched: the
// longest matching pattern decides, and Allow wins a tie.
func (r *robotsRules) allowed(target string) bool {
	if r.allowAll || target == "/robots.txt" {
		return true
	}
	best, allow := -1, true
	for _, rule := range r.rules {
		if !robotsMatch(rule.pattern, target) {
			continue
		}
		if n := len(rule.pattern); n > best || (n == best && rule.allow) {
			best, allow = n, rule.allow
		}
	}
	return allow
}

// robotsMatch matches a robots.txt path pattern against a target.
func robotsMatch(pattern, target string) bool {
	anchored := strings.HasSuffix(pattern, "$")
	pattern = strings.TrimSuffix(pattern, "$")
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(target, parts[0]) {
		return false
	}
	pos := len(parts[0])
	for i, part := range parts[1:] {
		last := i == len(parts)-2
		if last && anchored {
			return strings.HasSuffix(target[pos:], part)
		}
		j := strings.Index(target[pos:], part)
		if j < 0 {
			return false
		}
		pos += j + len(part)
	}
	return !anchored || pos == len(target)
}

// robotsCache keeps each origin's robots.txt for robotsTTL.
type robotsCache struct {
	mu      sync.Mutex
	entries map[string]robotsEntry
}

type robotsEntry struct {
	rules   *robotsRules
	expires time.Time
}

// productToken is the first word of a User-Agent ("pressfeed" from
// "pressfeed/0.1.0 (+https://…)"): the name robots.txt groups address.
func productToken(ua string) string {
	tok, _, _ := strings.Cut(strings.TrimSpace(ua), "/")
	tok, _, _ = strings.Cut(tok, " ")
	if tok == "" {
		return "pressfeed"
	}
	return tok
}

// checkRobots returns nil when the site's robots.txt lets us fetch rawURL,
// an *Error of category pressfeed.CatRobots wrapping ErrRobotsDisallowed when it does
// not, and an *Error when robots.txt cannot be read: a server error or no
// answer means "assume everything is disallowed", as RFC 9309 says, and the
// category is robots for a server error, else that of the failure (dns,
// timeout, …). A robots.txt that does not exist (4xx) allows everything.
func (p *Poller) checkRobots(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return &Error{Category: pressfeed.CatRobots, Err: fmt.Errorf("bad URL %q", rawURL)}
	}
	origin := u.Scheme + "://" + u.Host
	rules, err := p.robots(ctx, origin)
	if err != nil {
		return err
	}
	target := u.EscapedPath()
	if target == "" {
		target = "/"
	}
	if u.RawQuery != "" {
		target += "?" + u.RawQuery
	}
	if !rules.allowed(target) {
		return &Error{Category: pressfeed.CatRobots, Err: fmt.Errorf("%s/robots.txt disallows %s for %q: %w", origin, target, productToken(p.opts.UserAgent), ErrRobotsDisallowed)}
	}
	return nil
}

// robots returns origin's robots.txt rules, from the cache while they are
// fresh.
func (p *Poller) robots(ctx context.Context, origin string) (*robotsRules, error) {
	now := p.opts.Now()
	p.html.robots.mu.Lock()
	e, ok := p.html.robots.entries[origin]
	p.html.robots.mu.Unlock()
	if ok && !now.After(e.expires) {
		return e.rules, nil
	}
	rules, err := p.fetchRobots(ctx, origin)
	if err != nil {
		return nil, err
	}
	p.html.robots.mu.Lock()
	p.html.robots.entries[origin] = robotsEntry{rules: rules, expires: now.Add(robotsTTL)}
	p.html.robots.mu.Unlock()
	return rules, nil
}

func (p *Poller) fetchRobots(ctx context.Context, origin string) (*robotsRules, error) {
	resp, err := p.get(ctx, origin+"/robots.txt", "text/plain, */*;q=0.1", pressfeed.SourceState{})
	if err != nil {
		if resp != nil && resp.Status >= 400 && resp.Status < 500 {
			return &robotsRules{allowAll: true}, nil
		}
		cat := pressfeed.CatRobots // the server answered, but not with robots.txt
		if resp == nil {
			cat = categorize(err).Category // no answer: say why (dns, timeout, …)
		}
		return nil, &Error{Category: cat, Err: fmt.Errorf("robots.txt unreadable, so nothing is fetched: %w", err)}
	}
	return parseRobots(resp.Body, productToken(p.opts.UserAgent)), nil
}
