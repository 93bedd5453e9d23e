package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"pressfeed"
)

// callWith is api.call with extra request headers; it returns the status,
// the ETag and the body.
func (a *api) callWith(method, path, body string, header map[string]string) (int, string, string) {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp := a.do(req)
	return resp.StatusCode, resp.Header.Get("ETag"), resp.Body
}

// TestAPIEditsAreConditional sends two edits of one source made against the
// same version at once, through two tokens: exactly one is saved, the other
// is refused with 412 naming who won, and nothing of the winner's is lost.
// Deletes honour If-Match too, and a malformed one is a 400.
func TestAPIEditsAreConditional(t *testing.T) {
	src := pressfeed.Source{ID: "force-a", Name: "Force A", Kind: "force", URL: "https://a.example/feed", Type: "feed"}
	d := newDesk(t, deskOptions{sources: []pressfeed.Source{src}})
	alpha, beta := apiClient(d, newToken(t, d, "alpha")), apiClient(d, newToken(t, d, "beta"))

	status, etag, _ := alpha.callWith("GET", "/api/v1/sources/force-a", "", nil)
	if status != 200 || etag != `"`+src.Version()+`"` {
		t.Fatalf("GET: %d, ETag %s, want the source's version %s", status, etag, src.Version())
	}
	type result struct {
		who                string
		status             int
		etag, body, setsTo string
	}
	results := make(chan result, 2)
	var wg sync.WaitGroup
	for who, c := range map[string]*api{"alpha": alpha, "beta": beta} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			area := "Area of " + who
			body := `{"name":"Force A","kind":"force","type":"feed","enabled":false,"url":"https://a.example/feed","area":"` + area + `"}`
			status, etag, resp := c.callWith("PUT", "/api/v1/sources/force-a", body, map[string]string{"If-Match": etag})
			results <- result{who, status, etag, resp, area}
		}()
	}
	wg.Wait()
	close(results)
	var won, lost result
	for r := range results {
		switch r.status {
		case 200:
			won = r
		case 412:
			lost = r
		default:
			t.Fatalf("%s: %d %s", r.who, r.status, r.body)
		}
	}
	if won.who == "" || lost.who == "" {
		t.Fatalf("want one 200 and one 412: won %+v lost %+v", won, lost)
	}
	stored, _ := d.DB.Source(context.Background(), "force-a")
	if stored.Area != won.setsTo || won.etag != `"`+stored.Version()+`"` {
		t.Errorf("stored area %q (ETag %s), want the winner's %q (%s)", stored.Area, stored.Version(), won.setsTo, won.etag)
	}
	var refusal struct{ Error string }
	json.Unmarshal([]byte(lost.body), &refusal)
	if !strings.Contains(refusal.Error, "changed by "+won.who+" via api at ") || !strings.Contains(refusal.Error, "nothing was saved") || lost.etag != won.etag {
		t.Errorf("the 412 (ETag %s) does not name the winner %s and the current version: %s", lost.etag, won.who, lost.body)
	}

	for _, bad := range []string{`W/"` + stored.Version() + `"`, stored.Version(), `"a", "b"`} {
		if status, _, body := alpha.callWith("PATCH", "/api/v1/sources/force-a", `{"area":"x"}`, map[string]string{"If-Match": bad}); status != 400 || !strings.Contains(body, "If-Match") {
			t.Errorf("If-Match %s: %d %s, want 400 naming If-Match", bad, status, body)
		}
	}
	if status, _, _ := alpha.callWith("DELETE", "/api/v1/sources/force-a", "", map[string]string{"If-Match": etag}); status != 412 {
		t.Errorf("a stale delete: %d, want 412", status)
	}
	if _, err := d.DB.Source(context.Background(), "force-a"); err != nil {
		t.Fatalf("a stale delete deleted the source: %v", err)
	}
	if status, _, body := alpha.callWith("DELETE", "/api/v1/sources/force-a", "", map[string]string{"If-Match": won.etag}); status != 204 {
		t.Errorf("a current delete: %d %s", status, body)
	}
}

var versionRE = regexp.MustCompile(`name="version" value="([^"]*)"`)

// TestFormEditsAreConditional opens the edit form in two sessions, saves
// one, then the other: the second is refused (409) saying who changed the
// source and when, with the saved values beside the ones entered, which
// the form keeps; saving again then replaces them knowingly. A stale
// disable or delete button is refused too.
func TestFormEditsAreConditional(t *testing.T) {
	src := pressfeed.Source{ID: "force-a", Name: "Force A", Kind: "force", Area: "North", URL: "https://a.example/feed", Type: "feed"}
	d := newDesk(t, deskOptions{sources: []pressfeed.Source{src}})
	ctx := context.Background()
	first, second := d.browser(), d.browser()
	csrf1, csrf2 := first.signIn(), second.signIn()
	version := field(t, versionRE, first.get("/admin/sources/force-a/edit").Body)
	if v2 := field(t, versionRE, second.get("/admin/sources/force-a/edit").Body); v2 != version || version != src.Version() {
		t.Fatalf("the forms carry versions %q and %q, want %q", version, v2, src.Version())
	}
	save := func(b *browser, csrf string, edited pressfeed.Source, version string) response {
		t.Helper()
		v := sourceForm(csrf, edited, "preview", "")
		v.Set("version", version)
		preview := b.post("/admin/sources/force-a/edit", v)
		v.Set("step", "save")
		v.Set("previewed", field(t, previewedRE, preview.Body))
		v.Set("version", field(t, versionRE, preview.Body))
		return b.post("/admin/sources/force-a/edit", v)
	}
	theirs, mine := src, src
	theirs.Name, theirs.Area = "Force A Police", "North <West>"
	mine.Area = "Northern & Central"
	if resp := save(first, csrf1, theirs, version); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("first save: %d\n%s", resp.StatusCode, resp.Body)
	}
	resp := save(second, csrf2, mine, version)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("second save against the old version: %d, want 409\n%s", resp.StatusCode, resp.Body)
	}
	for _, want := range []string{
		"Nothing was saved: Force A Police was changed by " + adminName + " via web at ",
		"since you opened it",
		`<tr class="differs"><th scope="row">area</th><td>North &lt;West&gt;</td><td>Northern &amp; Central</td></tr>`,
		`<tr class="differs"><th scope="row">name</th><td>Force A Police</td><td>Force A</td></tr>`,
		`value="Northern &amp; Central"`, // the form still holds what was entered
	} {
		if !strings.Contains(resp.Body, want) {
			t.Errorf("the conflict page lacks %q:\n%s", want, resp.Body)
		}
	}
	if got, _ := d.DB.Source(ctx, "force-a"); got.Area != theirs.Area || got.Name != theirs.Name {
		t.Fatalf("the refused save changed the source: %+v", got)
	}
	// Saving again from the conflict page replaces theirs, knowingly.
	v := sourceForm(csrf2, mine, "save", field(t, previewedRE, resp.Body))
	v.Set("version", field(t, versionRE, resp.Body))
	if again := second.post("/admin/sources/force-a/edit", v); again.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving again after the conflict: %d\n%s", again.StatusCode, again.Body)
	}
	if got, _ := d.DB.Source(ctx, "force-a"); got.Area != mine.Area {
		t.Errorf("after saving again the area is %q, want %q", got.Area, mine.Area)
	}

	// One-click buttons carry the version their page showed.
	stale := field(t, regexp.MustCompile(`action="/admin/sources/force-a/enable" class="inline enable">\s*<input type="hidden" name="csrf" value="[^"]*">\s*<input type="hidden" name="version" value="([^"]*)"`), first.get("/admin").Body)
	if stale != mine.Version() {
		t.Fatalf("the enable button carries %q, want the current version %q", stale, mine.Version())
	}
	save(second, csrf2, theirs, mine.Version()) // changes it again
	refused := first.post("/admin/sources/force-a/enable", url.Values{"csrf": {csrf1}, "version": {stale}})
	if refused.StatusCode != http.StatusConflict || !strings.Contains(refused.Body, "was not enabled: it was changed by "+adminName+" via web") {
		t.Errorf("a stale enable: %d\n%s", refused.StatusCode, refused.Body)
	}
	if refused := first.post("/admin/sources/force-a/delete", url.Values{"csrf": {csrf1}, "version": {stale}}); refused.StatusCode != http.StatusConflict {
		t.Errorf("a stale delete: %d", refused.StatusCode)
	}
	if got, err := d.DB.Source(ctx, "force-a"); err != nil || got.Enabled {
		t.Errorf("a stale button changed the source: %+v %v", got, err)
	}
}
