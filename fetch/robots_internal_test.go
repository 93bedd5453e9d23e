package fetch

import "testing"

// gmpStyleRobots has the shape of a Single Online Home site's robots.txt
// (wildcards and end anchors), plus groups for other agents.
const gmpStyleRobots = `# robots.txt
User-agent: *
Disallow: /*/mediacentre
Disallow: /*/GetPaginatedResults/?
Disallow: /*.aspx$
Disallow: /api/*
Allow: /api/public/
Sitemap: /sitemap.xml

User-agent: BadBot
User-agent: OtherBot
Disallow: /
`

func TestRobotsRules(t *testing.T) {
	tests := []struct {
		name, robots, agent, target string
		want                        bool
	}{
		{"plain page", gmpStyleRobots, "pressfeed", "/news/news-search/?ct=News", true},
		{"wildcard segment", gmpStyleRobots, "pressfeed", "/news/GetPaginatedResults/?page=2", false},
		{"end anchor matches", gmpStyleRobots, "pressfeed", "/old/page.aspx", false},
		{"end anchor needs the end", gmpStyleRobots, "pressfeed", "/old/page.aspx?x=1", true},
		{"longer allow beats shorter disallow", gmpStyleRobots, "pressfeed", "/api/public/feed", true},
		{"prefix disallow", gmpStyleRobots, "pressfeed", "/api/private", false},
		{"named group replaces star", gmpStyleRobots, "otherbot", "/news/", false},
		{"robots.txt itself", gmpStyleRobots, "badbot", "/robots.txt", true},
		{"empty disallow allows all", "User-agent: *\nDisallow:\n", "pressfeed", "/anything", true},
		{"our group", "User-agent: *\nDisallow: /\n\nUser-agent: pressfeed\nDisallow: /private/\n", "pressfeed", "/news/", true},
		{"our group, disallowed", "User-agent: *\nDisallow: /\n\nUser-agent: PressFeed\nDisallow: /news/\n", "pressfeed", "/news/item", false},
		{"tie goes to allow", "User-agent: *\nDisallow: /news\nAllow: /news\n", "pressfeed", "/news/x", true},
		{"no rules", "", "pressfeed", "/x", true},
		{"garbage lines ignored", "<html>not robots</html>\nUser-agent: *\nDisallow: /news/ # comment\n", "pressfeed", "/news/", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseRobots([]byte(tt.robots), tt.agent).allowed(tt.target); got != tt.want {
				t.Errorf("allowed(%q) = %v, want %v", tt.target, got, tt.want)
			}
		})
	}
}

func TestProductToken(t *testing.T) {
	for ua, want := range map[string]string{
		"pressfeed/0.1.0 (+https://pressfeed.invalid/contact)": "pressfeed",
		"NewsBot (contact@example.org)":                        "NewsBot",
		"":                                                     "pressfeed",
	} {
		if got := productToken(ua); got != want {
			t.Errorf("productToken(%q) = %q, want %q", ua, got, want)
		}
	}
}
