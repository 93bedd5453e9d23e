package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"pressfeed"
)

// storeItem files one item from source id, as a poll would.
func storeItem(t *testing.T, d *desk, id, title string) {
	t.Helper()
	it := pressfeed.Item{GUID: title, Title: title, Link: "https://a.example/news/" + url.PathEscape(title), Published: d.clock.Now()}
	if _, err := d.DB.Ingest(context.Background(), id, []pressfeed.Item{it}, pressfeed.SourceState{LastSuccess: d.clock.Now(), LastNewItem: d.clock.Now()}); err != nil {
		t.Fatal(err)
	}
}

var forceA = []pressfeed.Source{{ID: "force-a", Name: "Force A", Kind: "force", URL: "https://a.example/feed", Type: "feed", Enabled: true}}

func TestAlertsPage(t *testing.T) {
	d := newDesk(t, deskOptions{sources: forceA})
	storeItem(t, d, "force-a", "Murder <script>inquiry</script> in Southport")
	b := d.browser()
	if resp := b.get("/admin/alerts"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("signed out: %d, want a redirect to sign in", resp.StatusCode)
	}
	csrf := b.signIn()
	if page := b.get("/admin/alerts").Body; !strings.Contains(page, "No subscriptions yet.") {
		t.Fatalf("empty alerts page:\n%s", page)
	}
	if resp := b.post("/admin/alerts", url.Values{"name": {"x"}, "to": {"desk@newsroom.example"}, "cadence": {"immediate"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("no CSRF token: %d, want 403", resp.StatusCode)
	}

	// Bad input: every bad field named, nothing stored.
	bad := b.post("/admin/alerts", url.Values{"csrf": {csrf}, "name": {"Bad Name"}, "to": {"not an address"}, "filter": {"limit=5"}, "cadence": {"hourly"}})
	if bad.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad subscription: %d", bad.StatusCode)
	}
	for _, want := range []string{`href="#a-name">name</a>`, `href="#a-to">to</a>`, `href="#a-filter">filter</a>: limit is set by the cadence`, `href="#a-cadence">cadence</a>: &#34;hourly&#34; is not one of immediate, digest`} {
		if !strings.Contains(bad.Body, want) {
			t.Errorf("bad subscription page lacks %q", want)
		}
	}
	private := b.post("/admin/alerts", url.Values{"csrf": {csrf}, "name": {"hook"}, "to": {"http://10.1.2.3/hook"}, "cadence": {"immediate"}})
	if private.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(private.Body, "not on the public internet") {
		t.Errorf("private webhook: %d\n%s", private.StatusCode, private.Body)
	}

	good := b.post("/admin/alerts", url.Values{"csrf": {csrf}, "name": {"morning"}, "to": {"office@pcc.example"}, "filter": {"kind=force&q=murder"}, "cadence": {"digest"}, "days": {"weekdays"}})
	if good.StatusCode != http.StatusOK || !strings.Contains(good.Body, "Added <strong>morning</strong>: digest 07:30 weekdays to <code>mailto:office@pcc.example</code>") {
		t.Fatalf("add: %d\n%s", good.StatusCode, good.Body)
	}
	if dup := b.post("/admin/alerts", url.Values{"csrf": {csrf}, "name": {"morning"}, "to": {"office@pcc.example"}, "cadence": {"immediate"}}); dup.StatusCode != http.StatusConflict {
		t.Errorf("duplicate name: %d", dup.StatusCode)
	}
	if subs, _ := d.DB.Subscriptions(context.Background()); len(subs) != 1 || subs[0].Secret == "" {
		t.Fatalf("stored: %+v", subs)
	}

	// The preview is the digest's HTML, the story escaped, nothing sent.
	pv := b.get("/admin/alerts/preview?name=morning")
	if pv.StatusCode != 200 || !strings.Contains(pv.Body, "Murder &lt;script&gt;inquiry&lt;/script&gt; in Southport") || strings.Contains(pv.Body, "<script>") {
		t.Errorf("preview: %d\n%s", pv.StatusCode, pv.Body)
	}
	if !strings.Contains(pv.Body, "<h2>Force A</h2>") || !strings.Contains(pv.Body, "https://news.example/alerts/unsubscribe?name=morning") {
		t.Errorf("preview lacks the group or the unsubscribe link:\n%s", pv.Body)
	}
	if resp := b.get("/admin/alerts/preview?name=nope"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("preview of no subscription: %d", resp.StatusCode)
	}

	// A test send without a mail server says why, on the page.
	sent := b.post("/admin/alerts/morning/test", url.Values{"csrf": {csrf}})
	if sent.StatusCode != http.StatusSeeOther {
		t.Fatalf("test: %d", sent.StatusCode)
	}
	if page := b.get("/admin/alerts").Body; !strings.Contains(page, "was not sent: email cannot be sent: [alerts] smtp_host is not set") {
		t.Errorf("test failure not shown:\n%s", page)
	}

	b.post("/admin/alerts/morning/delete", url.Values{"csrf": {csrf}})
	if page := b.get("/admin/alerts").Body; !strings.Contains(page, "Deleted &#34;morning&#34;") || !strings.Contains(page, "No subscriptions yet.") {
		t.Errorf("after delete:\n%s", page)
	}
	entries, _, _ := d.DB.AuditLog(context.Background(), pressfeed.AuditQuery{})
	if len(entries) != 2 || entries[0].Action != pressfeed.ActionSubscriptionDelete || entries[1].Action != pressfeed.ActionSubscriptionPut ||
		entries[1].Subscription != "morning" || entries[1].Actor != (pressfeed.Actor{Name: adminName, Via: "web"}) {
		t.Errorf("audit: %+v", entries)
	}
	if audit := b.get("/admin/audit").Body; !strings.Contains(audit, "subscription <code>morning</code>") {
		t.Errorf("audit page does not name the subscription")
	}
}

var unsubscribeForm = regexp.MustCompile(`action="(/alerts/unsubscribe\?[^"]+)"`)

func TestUnsubscribeLink(t *testing.T) {
	d := newDesk(t, deskOptions{})
	ctx := context.Background()
	sub := pressfeed.Subscription{Name: "southport", To: "mailto:desk@newsroom.example", Cadence: pressfeed.CadenceImmediate, Secret: "k1", Created: d.clock.Now()}
	if err := d.DB.AddSubscription(ctx, pressfeed.Actor{Name: "test", Via: "cli"}, sub); err != nil {
		t.Fatal(err)
	}
	link := sub.UnsubscribeURL(d.Srv.URL)
	b := d.browser()
	for _, bad := range []string{
		d.Srv.URL + "/alerts/unsubscribe?name=southport&token=forged",
		d.Srv.URL + "/alerts/unsubscribe?name=southport",
		(pressfeed.Subscription{Name: "southport", Secret: "other"}).UnsubscribeURL(d.Srv.URL),
		(pressfeed.Subscription{Name: "nobody", Secret: "k1"}).UnsubscribeURL(d.Srv.URL),
	} {
		path := strings.TrimPrefix(bad, d.Srv.URL)
		if resp := b.post(path, url.Values{"List-Unsubscribe": {"One-Click"}}); resp.StatusCode != http.StatusNotFound || !strings.Contains(resp.Body, "not valid") {
			t.Errorf("POST %s: %d", path, resp.StatusCode)
		}
	}
	// Following the link (as a mail scanner would) only asks.
	ask := b.get(strings.TrimPrefix(link, d.Srv.URL))
	if ask.StatusCode != 200 || !strings.Contains(ask.Body, "Unsubscribe from southport?") {
		t.Fatalf("GET link: %d\n%s", ask.StatusCode, ask.Body)
	}
	if _, err := d.DB.Subscription(ctx, "southport"); err != nil {
		t.Fatalf("a GET ended the subscription: %v", err)
	}
	// The page's button posts back to the same link.
	action := strings.ReplaceAll(field(t, unsubscribeForm, ask.Body), "&amp;", "&")
	if action != strings.TrimPrefix(link, d.Srv.URL) {
		t.Errorf("form posts to %q, want %q", action, strings.TrimPrefix(link, d.Srv.URL))
	}
	// A mail client's one-click POST (RFC 8058) needs no session.
	done := b.post(action, url.Values{"List-Unsubscribe": {"One-Click"}})
	if done.StatusCode != 200 || !strings.Contains(done.Body, "Nothing more will be sent for <strong>southport</strong>") {
		t.Fatalf("one-click: %d\n%s", done.StatusCode, done.Body)
	}
	if _, err := d.DB.Subscription(ctx, "southport"); err == nil {
		t.Error("still subscribed after unsubscribing")
	}
	entries, _, _ := d.DB.AuditLog(ctx, pressfeed.AuditQuery{})
	if len(entries) == 0 || entries[0].Action != pressfeed.ActionSubscriptionDelete || entries[0].Actor != (pressfeed.Actor{Name: "desk@newsroom.example", Via: "unsubscribe link"}) {
		t.Errorf("audit: %+v", entries)
	}
	if again := b.post(action, url.Values{"List-Unsubscribe": {"One-Click"}}); again.StatusCode != http.StatusNotFound {
		t.Errorf("second use: %d", again.StatusCode)
	}
}

func TestSubscriptionsAPI(t *testing.T) {
	d := newDesk(t, deskOptions{sources: forceA})
	c := apiClient(d, newToken(t, d, "sync"))
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     []string
	}{
		{"list empty", "GET", "/api/v1/subscriptions", "", 200, []string{`"subscriptions": []`}},
		{"create not JSON", "POST", "/api/v1/subscriptions", "name=x", 400, []string{"not a JSON subscription"}},
		{"create unknown field", "POST", "/api/v1/subscriptions", `{"name":"x","secret":"mine"}`, 400, []string{`unknown field \"secret\"`}},
		{"create invalid", "POST", "/api/v1/subscriptions", `{"name":"X","to":"ftp://x","cadence":"weekly","filter":"cursor=1"}`, 422,
			[]string{`"field": "name"`, `"field": "to"`, `"field": "cadence"`, `"field": "filter"`}},
		{"bad digest time", "POST", "/api/v1/subscriptions", `{"name":"x","to":"mailto:a@b.example","cadence":"digest","at":"25:00","days":"sundays"}`, 422,
			[]string{`"field": "at"`, `"field": "days"`}},
		{"private webhook", "POST", "/api/v1/subscriptions", `{"name":"x","to":"http://127.0.0.1:9/hook","cadence":"immediate"}`, 422,
			[]string{`"field": "to"`, "not on the public internet"}},
		{"create", "POST", "/api/v1/subscriptions", `{"name":"murder","to":"mailto:desk@newsroom.example","filter":"q=murder","cadence":"immediate"}`, 201,
			[]string{`"name": "murder"`, `"secret": "`}},
		{"create again", "POST", "/api/v1/subscriptions", `{"name":"murder","to":"mailto:desk@newsroom.example","cadence":"immediate"}`, 409, []string{"exists"}},
		{"get", "GET", "/api/v1/subscriptions/murder", "", 200, []string{`"filter": "q=murder"`, `"failed_deliveries": 0`}},
		{"get missing", "GET", "/api/v1/subscriptions/nope", "", 404, []string{`there is no subscription \"nope\"`}},
		{"test without a mail server", "POST", "/api/v1/subscriptions/murder/test", "", 502, []string{"smtp_host is not set"}},
		{"delete", "DELETE", "/api/v1/subscriptions/murder", "", 204, nil},
		{"delete again", "DELETE", "/api/v1/subscriptions/murder", "", 404, nil},
		{"audit", "GET", "/api/v1/audit", "", 200, []string{`"action": "subscription_delete"`, `"action": "subscription_put"`, `"subscription": "murder"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := c.call(tt.method, tt.path, tt.body)
			resp.expect(t, tt.method+" "+tt.path, tt.status, tt.want)
			if tt.method == "GET" && strings.Contains(resp.Body, `"secret"`) {
				t.Errorf("a read shows the secret:\n%s", resp.Body)
			}
		})
	}
	var list struct{ Subscriptions []json.RawMessage }
	json.Unmarshal([]byte(c.call("GET", "/api/v1/subscriptions", "").Body), &list)
	if len(list.Subscriptions) != 0 {
		t.Errorf("after delete: %d subscriptions", len(list.Subscriptions))
	}
}
