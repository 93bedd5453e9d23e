package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"pressfeed"
)

func TestAddSourceWithPreview(t *testing.T) {
	d := newDesk(t, deskOptions{})
	b := d.browser()
	csrf := b.signIn()
	ctx := context.Background()
	src := pressfeed.Source{ID: "fixture-force", Name: "Fixture Force", Kind: "force", Area: "Fixtureshire", URL: d.Feeds.URL + "/press.rss", Type: "feed", Enabled: true}

	t.Run("invalid fields come back named, nothing saved", func(t *testing.T) {
		bad := src
		bad.ID, bad.Kind, bad.URL, bad.Schedule = "Bad Id", "constabulary", "ftp://x.example/", "@every 5s"
		resp := b.post("/admin/sources/new", sourceForm(csrf, bad, "preview", ""))
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%d, want 422", resp.StatusCode)
		}
		for _, want := range []string{
			`id</a>: &#34;Bad Id&#34; is not a slug`,
			`kind</a>: &#34;constabulary&#34; is not one of force, pcc, rocu, other`,
			`url</a>: &#34;ftp://x.example/&#34; must start with http:// or https://`,
			`schedule</a>: schedule &#34;@every 5s&#34;: interval is under one minute`,
			`value="Bad Id"`, // what was typed comes back
		} {
			if !strings.Contains(resp.Body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if list, _ := d.DB.Sources(ctx); len(list) != 0 {
			t.Errorf("stored %v", list)
		}
	})

	var previewed string
	t.Run("preview shows the items and saves nothing", func(t *testing.T) {
		resp := b.post("/admin/sources/new", sourceForm(csrf, src, "preview", ""))
		if resp.StatusCode != 200 {
			t.Fatalf("%d: %s", resp.StatusCode, resp.Body)
		}
		for _, want := range []string{"Officers seize drugs in raid", "Road closed after crash", "gives <strong>2</strong> items", `id="save"`} {
			if !strings.Contains(resp.Body, want) {
				t.Errorf("preview lacks %q", want)
			}
		}
		previewed = field(t, previewedRE, resp.Body)
		if _, err := d.DB.Source(ctx, src.ID); !errors.Is(err, pressfeed.ErrNotFound) {
			t.Errorf("preview stored the source: %v", err)
		}
	})

	t.Run("save after changing the fields previews again", func(t *testing.T) {
		changed := src
		changed.URL = d.Feeds.URL + "/other.rss"
		resp := b.post("/admin/sources/new", sourceForm(csrf, changed, "save", previewed))
		if resp.StatusCode != 200 || !strings.Contains(resp.Body, "changed since the last preview") || !strings.Contains(resp.Body, "Commissioner visits control room") {
			t.Errorf("%d; want the new preview and a note", resp.StatusCode)
		}
		if _, err := d.DB.Source(ctx, src.ID); !errors.Is(err, pressfeed.ErrNotFound) {
			t.Errorf("saved without a preview of these fields: %v", err)
		}
	})

	t.Run("save stores, schedules, polls and audits", func(t *testing.T) {
		resp := b.post("/admin/sources/new", sourceForm(csrf, src, "save", previewed))
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin" {
			t.Fatalf("%d %q: %s", resp.StatusCode, resp.Header.Get("Location"), resp.Body)
		}
		got, err := d.DB.Source(ctx, src.ID)
		if err != nil || !reflect.DeepEqual(got, src) {
			t.Fatalf("stored %+v %v, want %+v", got, err, src)
		}
		if d.Sched.NextRun(src.ID).IsZero() {
			t.Error("not scheduled")
		}
		waitPolled(t, d.DB, src.ID) // polled at once, not after a whole interval
		home := b.get("/admin")
		if !strings.Contains(home.Body, "Saved Fixture Force. It is being polled now.") {
			t.Errorf("no confirmation on the next page")
		}
		entries, _, _ := d.DB.AuditLog(ctx, pressfeed.AuditQuery{})
		if len(entries) != 1 || entries[0].Action != pressfeed.ActionCreate || entries[0].Actor != (pressfeed.Actor{Name: adminName, Via: "web"}) ||
			entries[0].Before != nil || entries[0].After == nil || !reflect.DeepEqual(*entries[0].After, src) {
			t.Errorf("audit: %+v", entries)
		}
		// The same id cannot be added twice.
		again := b.post("/admin/sources/new", sourceForm(csrf, src, "preview", ""))
		if again.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(again.Body, "is already used by Fixture Force") {
			t.Errorf("second add: %d", again.StatusCode)
		}
	})

	t.Run("it appears on /sources", func(t *testing.T) {
		resp := b.get("/sources")
		if !strings.Contains(resp.Body, `id="source-fixture-force"`) || !strings.Contains(resp.Body, "Fixture Force") {
			t.Errorf("/sources lacks the new source")
		}
	})
}

func TestEditDisableEnableDelete(t *testing.T) {
	src := pressfeed.Source{ID: "force-a", Name: "Force A", Kind: "force", Area: "North", URL: "https://a.example/feed", Type: "feed", Enabled: false}
	d := newDesk(t, deskOptions{sources: []pressfeed.Source{src}})
	b := d.browser()
	csrf := b.signIn()
	ctx := context.Background()

	// Edit: the form shows the stored values; the id cannot change.
	form := b.get("/admin/sources/force-a/edit")
	if !strings.Contains(form.Body, `value="Force A"`) || !strings.Contains(form.Body, `id="f-id" value="force-a" readonly`) {
		t.Fatalf("edit form:\n%s", form.Body)
	}
	edited := src
	edited.Name, edited.URL = "Force A Police", d.Feeds.URL+"/press.rss"
	v := sourceForm(csrf, edited, "preview", "")
	v.Set("id", "renamed") // ignored: ids do not change
	resp := b.post("/admin/sources/force-a/edit", v)
	v.Set("step", "save")
	v.Set("previewed", field(t, previewedRE, resp.Body))
	if resp := b.post("/admin/sources/force-a/edit", v); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save edit: %d %s", resp.StatusCode, resp.Body)
	}
	if got, _ := d.DB.Source(ctx, "force-a"); !reflect.DeepEqual(got, edited) {
		t.Errorf("after edit %+v, want %+v", got, edited)
	}
	if _, err := d.DB.Source(ctx, "renamed"); !errors.Is(err, pressfeed.ErrNotFound) {
		t.Error("the id changed")
	}

	// Enable: scheduled and polled at once; disable: unscheduled.
	if resp := b.post("/admin/sources/force-a/enable", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("enable: %d", resp.StatusCode)
	}
	waitPolled(t, d.DB, "force-a")
	if d.Sched.NextRun("force-a").IsZero() {
		t.Error("enabled but not scheduled")
	}
	if resp := b.post("/admin/sources/force-a/poll", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("poll now: %d", resp.StatusCode)
	}
	if !strings.Contains(b.get("/admin").Body, "Polling Force A Police now") {
		t.Error("poll now not confirmed")
	}
	b.post("/admin/sources/force-a/disable", url.Values{"csrf": {csrf}})
	if !d.Sched.NextRun("force-a").IsZero() {
		t.Error("disabled but still scheduled")
	}
	if got, _ := d.DB.Source(ctx, "force-a"); got.Enabled {
		t.Error("still enabled")
	}

	// Delete asks first, then removes it from the list and the schedule.
	if confirm := b.get("/admin/sources/force-a/delete"); !strings.Contains(confirm.Body, "Delete Force A Police?") {
		t.Errorf("no confirmation page")
	}
	if resp := b.post("/admin/sources/force-a/delete", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if _, err := d.DB.Source(ctx, "force-a"); !errors.Is(err, pressfeed.ErrNotFound) {
		t.Errorf("still stored: %v", err)
	}
	if resp := b.get("/admin/sources/force-a/edit"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("edit of a deleted source: %d", resp.StatusCode)
	}

	// Every change is in the audit log, newest first, with before and after.
	entries, _, _ := d.DB.AuditLog(ctx, pressfeed.AuditQuery{SourceID: "force-a"})
	var actions []string
	for _, e := range entries {
		actions = append(actions, string(e.Action))
	}
	if got, want := strings.Join(actions, ","), "delete,update,poll,update,update"; got != want {
		t.Errorf("audit actions %s, want %s", got, want)
	}
	page := b.get("/admin/audit?source=force-a")
	for _, want := range []string{"<del>Force A</del> → <ins>Force A Police</ins>", "<del>false</del> → <ins>true</ins>", editorVia, "delete"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("audit page lacks %q", want)
		}
	}
}

const editorVia = adminName + ` <span class="sub">via web</span>`

func TestImportAndExport(t *testing.T) {
	sources := []pressfeed.Source{
		{ID: "force-a", Name: "Force A & Co", Kind: "force", Area: "North", URL: "https://a.example/feed?x=1&y=2", Type: "feed", Enabled: true, Schedule: "*/15 * * * *"},
		{ID: "pcc-a", Name: `PCC "A"`, Kind: "pcc", URL: "https://p.example/news", Type: "html", Enabled: false,
			HTML: &pressfeed.HTMLSpec{Item: "article", Date: "time", DateAttr: "datetime"}, MaxAge: "30d"},
	}
	from := newDesk(t, deskOptions{sources: sources})
	fb := from.browser()
	fb.signIn()
	for _, format := range []string{"toml", "opml"} {
		t.Run(format, func(t *testing.T) {
			export := fb.get("/admin/export." + format)
			if export.StatusCode != 200 || !strings.Contains(export.Header.Get("Content-Disposition"), "pressfeed-sources."+format) {
				t.Fatalf("export: %d %v", export.StatusCode, export.Header)
			}
			to := newDesk(t, deskOptions{})
			tb := to.browser()
			csrf := tb.signIn()
			check := tb.post("/admin/import", url.Values{"csrf": {csrf}, "step": {"check"}, "content": {export.Body}})
			if check.StatusCode != 200 || !strings.Contains(check.Body, "2 to add, 0 to change, 0 unchanged") {
				t.Fatalf("check: %d\n%s", check.StatusCode, check.Body)
			}
			if list, _ := to.DB.Sources(context.Background()); len(list) != 0 {
				t.Fatal("checking imported something")
			}
			checked := field(t, regexpChecked, check.Body)
			apply := tb.post("/admin/import", url.Values{"csrf": {csrf}, "step": {"apply"}, "checked": {checked}, "content": {export.Body}})
			if apply.StatusCode != http.StatusSeeOther {
				t.Fatalf("apply: %d %s", apply.StatusCode, apply.Body)
			}
			got, _ := to.DB.Sources(context.Background())
			if !reflect.DeepEqual(got, sources) {
				t.Errorf("imported %+v\nwant %+v", got, sources)
			}
		})
	}

	t.Run("a bad file imports nothing and says why", func(t *testing.T) {
		to := newDesk(t, deskOptions{})
		tb := to.browser()
		csrf := tb.signIn()
		bad := "[[source]]\nid = \"ok-one\"\nname = \"OK\"\nkind = \"force\"\nurl = \"https://ok.example/\"\n\n[[source]]\nid = \"bad-one\"\nname = \"Bad\"\nkind = \"police\"\nurl = \"https://bad.example/\"\ncolour = \"blue\"\n"
		resp := tb.post("/admin/import", url.Values{"csrf": {csrf}, "step": {"apply"}, "content": {bad}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%d, want 422", resp.StatusCode)
		}
		for _, want := range []string{`source &#34;bad-one&#34;: unknown key &#34;colour&#34;`, `source &#34;bad-one&#34;: kind: &#34;police&#34; is not one of`} {
			if !strings.Contains(resp.Body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if list, _ := to.DB.Sources(context.Background()); len(list) != 0 {
			t.Errorf("half an import was stored: %v", list)
		}
	})
}

func TestTokensPage(t *testing.T) {
	d := newDesk(t, deskOptions{})
	b := d.browser()
	csrf := b.signIn()
	resp := b.post("/admin/tokens", url.Values{"csrf": {csrf}, "name": {"newsroom-sync"}})
	token := field(t, regexpToken, resp.Body)
	if !strings.HasPrefix(token, "pft_") {
		t.Fatalf("token %q", token)
	}
	page := b.get("/admin/tokens").Body
	if strings.Contains(page, token) {
		t.Error("the token is shown a second time")
	}
	if !strings.Contains(page, "<td>never</td>") {
		t.Error("a new token is not shown as never used")
	}
	if dup := b.post("/admin/tokens", url.Values{"csrf": {csrf}, "name": {"newsroom-sync"}}); dup.StatusCode != http.StatusConflict {
		t.Errorf("duplicate name: %d", dup.StatusCode)
	}
	api := apiClient(d, token)
	if resp := api.call("GET", "/api/v1/sources", ""); resp.StatusCode != 200 {
		t.Errorf("new token refused: %d", resp.StatusCode)
	}
	if page := b.get("/admin/tokens").Body; strings.Contains(page, "<td>never</td>") {
		t.Error("a used token is still shown as never used")
	}
	b.post("/admin/tokens/newsroom-sync/revoke", url.Values{"csrf": {csrf}})
	if resp := api.call("GET", "/api/v1/sources", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", resp.StatusCode)
	}
	entries, _, _ := d.DB.AuditLog(context.Background(), pressfeed.AuditQuery{})
	if len(entries) != 2 || entries[0].Action != pressfeed.ActionTokenRevoke || entries[1].Action != pressfeed.ActionTokenCreate {
		t.Errorf("token audit: %+v", entries)
	}
}

// TestAddAutoSourceWithFeedsAndPin: the form's ways-in fields (candidate
// feeds one a line, a pin) are read, checked with the field named, used by
// the preview and stored as given.
func TestAddAutoSourceWithFeedsAndPin(t *testing.T) {
	d := newDesk(t, deskOptions{})
	b := d.browser()
	csrf := b.signIn()
	ctx := context.Background()
	src := pressfeed.Source{ID: "auto-force", Name: "Auto Force", Kind: "force", URL: d.Feeds.URL + "/news/", Type: "auto", Enabled: true,
		Feeds: []string{d.Feeds.URL + "/missing.rss", d.Feeds.URL + "/press.rss"}, Pin: "feed"}
	form := func(s pressfeed.Source, step, previewed string) url.Values {
		v := sourceForm(csrf, s, step, previewed)
		v.Set("pin", s.Pin)
		v.Set("feeds", "  \n"+strings.Join(s.Feeds, "\r\n")+"\n")
		return v
	}

	bad := src
	bad.Pin = "guesswork"
	resp := b.post("/admin/sources/new", form(bad, "preview", ""))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, `pin</a>: &#34;guesswork&#34; is not a strategy`) {
		t.Fatalf("bad pin: %d, want 422 naming the pin", resp.StatusCode)
	}

	resp = b.post("/admin/sources/new", form(src, "preview", ""))
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, "Officers seize drugs in raid") {
		t.Fatalf("preview: %d; want the second feed's items", resp.StatusCode)
	}
	resp = b.post("/admin/sources/new", form(src, "save", field(t, previewedRE, resp.Body)))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d: %s", resp.StatusCode, resp.Body)
	}
	got, err := d.DB.Source(ctx, src.ID)
	if err != nil || !reflect.DeepEqual(got.Feeds, src.Feeds) || got.Pin != "feed" || got.Type != pressfeed.TypeAuto {
		t.Errorf("stored %+v %v", got, err)
	}
}
