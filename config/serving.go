package config

import (
	"fmt"
	"time"

	"pressfeed"
)

// MaxCacheMaxAge is the longest cache_max_age accepted: a reader told to
// keep a feed longer would miss a day's news.
const MaxCacheMaxAge = 24 * time.Hour

// validateServing checks the settings of the feeds' HTTP caching and WebSub
// publishing.
func (c Config) validateServing() []string {
	var problems []string
	switch {
	case c.CacheMaxAge < 0:
		problems = append(problems, fmt.Sprintf("cache_max_age: %v is negative", c.CacheMaxAge))
	case c.CacheMaxAge > 0 && c.CacheMaxAge < time.Second:
		// A bare number decodes as nanoseconds.
		problems = append(problems, fmt.Sprintf("cache_max_age: %v is under a second; write a duration string such as \"60s\"", c.CacheMaxAge))
	case c.CacheMaxAge > MaxCacheMaxAge:
		problems = append(problems, fmt.Sprintf("cache_max_age: %v is longer than %v", c.CacheMaxAge, MaxCacheMaxAge))
	}
	seen := make(map[string]bool, len(c.Hubs))
	for i, h := range c.Hubs {
		if err := pressfeed.CheckURL(h); err != nil {
			problems = append(problems, fmt.Sprintf("hubs[%d]: %v", i, err))
		}
		if seen[h] {
			problems = append(problems, fmt.Sprintf("hubs[%d]: %q is listed twice", i, h))
		}
		seen[h] = true
	}
	if len(c.Hubs) > 0 && c.BaseURL == "" {
		problems = append(problems, "hubs: need base_url, the public address hubs fetch the feed from")
	}
	return problems
}
