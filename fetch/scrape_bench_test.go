package fetch

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"pressfeed"
)

// bigListing is a listing page of n cards in the shape of a force's news
// page, with page furniture around them.
func bigListing(n int) []byte {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>News</title></head><body>`)
	b.WriteString(strings.Repeat(`<nav><ul><li><a href="/a/">Report it</a></li><li><a href="/b/">Contact us</a></li></ul></nav>`, 20))
	b.WriteString(`<div class="news-listing">`)
	day := time.Date(2025, 10, 31, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		d := day.AddDate(0, 0, -i/3)
		fmt.Fprintf(&b, `<div class="news-card"><a href="/news/2025/item-%d/" class="news-card__link"><img src="/media/%d.jpg" alt="News Image">`+
			`<h3 class="news-card__title">Appeal after burglary &amp; assault in town centre, number %d</h3></a>`+
			`<p class="news-card__date">%s</p><p class="news-card__teaser">Officers investigating a burglary are appealing for witnesses. `+
			`A 34-year-old man from Preston has been arrested on suspicion of burglary and remains in custody. <a href="/news/appeals/">More appeals</a></p></div>`,
			i, i, i, d.Format("Monday, January 2, 2006"))
	}
	b.WriteString(`</div><footer><p>&copy; County Constabulary</p></footer></body></html>`)
	return []byte(b.String())
}

func BenchmarkExtractListing(b *testing.B) {
	for _, n := range []int{20, 200} {
		b.Run(fmt.Sprintf("cards=%d", n), func(b *testing.B) {
			p := NewPoller(nil, Options{})
			cs, err := compileSpec(&pressfeed.HTMLSpec{Item: ".news-card", Title: "h3", Link: "a.news-card__link",
				Date: ".news-card__date", DateLayout: "Monday, January 2, 2006", Summary: ".news-card__teaser", Image: "img"})
			if err != nil {
				b.Fatal(err)
			}
			body := bigListing(n)
			base, _ := url.Parse("https://www.county.police.example/news/")
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				page, err := p.extract(body, "text/html; charset=utf-8", base, cs)
				if err != nil || len(page.items) != n {
					b.Fatalf("%d items, %v", len(page.items), err)
				}
			}
		})
	}
}

func BenchmarkRulesFilter(b *testing.B) {
	src := pressfeed.Source{
		Include: []pressfeed.Rule{{Keyword: "police"}, {Keyword: "policing"}, {Regexp: `(?i)\b(crime|criminal|community safety|victims?|violence)\b`}},
		Exclude: []pressfeed.Rule{{Keyword: "test appeal"}, {Field: pressfeed.RuleTitle, Regexp: `^(?i)draft`}},
		MaxAge:  "30d",
	}
	rs, err := CompileRules(src)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	items := make([]pressfeed.Item, 1000)
	for i := range items {
		items[i] = pressfeed.Item{
			Title:     fmt.Sprintf("Mayor announces bus franchising update for route %d", i),
			Summary:   "<p>The Combined Authority has set out the next stage of bus franchising across the city region, with new routes and fares.</p>",
			Published: now.Add(-time.Duration(i) * time.Hour),
		}
		if i%10 == 0 {
			items[i].Summary = "<p>The Deputy Mayor for Policing welcomed new funding for victims of crime.</p>"
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		kept, _ := rs.filter(items, now, false)
		if len(kept) != 73 {
			b.Fatalf("kept %d", len(kept))
		}
	}
}

func BenchmarkRobotsAllowed(b *testing.B) {
	rules := parseRobots([]byte(gmpStyleRobots), "pressfeed")
	b.ReportAllocs()
	for b.Loop() {
		if !rules.allowed("/news/greater-manchester/news/news/2025/october/appeal-after-burglary/") {
			b.Fatal("disallowed")
		}
	}
}
