package index_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"pressfeed"
	"pressfeed/index"
)

// TestEveryWriteOfADefinitionIsValidated: the store itself refuses a
// definition that fails the domain's rules or the check it was opened with,
// whichever of its write paths is used, naming the fields and writing
// nothing. Callers need not remember to validate first.
func TestEveryWriteOfADefinitionIsValidated(t *testing.T) {
	noSelectors := func(src pressfeed.Source) error {
		if src.HTML != nil && strings.Contains(src.HTML.Item, "[") {
			return pressfeed.ValidationError{{Field: "html.item", Reason: "is not a selector this check accepts"}}
		}
		return nil
	}
	db, err := index.Open(filepath.Join(t.TempDir(), "s.db"), index.Options{ValidateSource: noSelectors})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	good := pressfeed.Source{ID: "force-a", Name: "Force A", Kind: "force", URL: "https://a.example/news", Type: "html", HTML: &pressfeed.HTMLSpec{Item: "article"}}
	domainBad := good
	domainBad.Kind, domainBad.URL = "police", "javascript:alert(1)"
	checkBad := good
	checkBad.HTML = &pressfeed.HTMLSpec{Item: "li[broken"}
	both := domainBad
	both.HTML = checkBad.HTML

	if _, err := db.SeedSources(ctx, []pressfeed.Source{good, checkBad}); !hasFields(err, "html.item") {
		t.Errorf("seed with a bad source: %v, want html.item named", err)
	}
	if list, _ := db.Sources(ctx); len(list) != 0 {
		t.Fatalf("a refused seed stored %d sources", len(list))
	}
	if _, err := db.SeedSources(ctx, []pressfeed.Source{good}); err != nil {
		t.Fatal(err)
	}
	writes := map[string]func(pressfeed.Source) error{
		"create": func(s pressfeed.Source) error {
			s.ID = "force-b"
			_, err := db.ApplySourceChanges(ctx, pressfeed.Actor{Name: "t"}, []pressfeed.SourceChange{{Action: pressfeed.ActionCreate, Source: s}})
			return err
		},
		"update": func(s pressfeed.Source) error {
			_, err := db.ApplySourceChanges(ctx, pressfeed.Actor{Name: "t"}, []pressfeed.SourceChange{{Action: pressfeed.ActionUpdate, Source: s}})
			return err
		},
		"put among good ones": func(s pressfeed.Source) error {
			ok := good
			ok.ID, ok.Name = "pcc-c", "PCC C"
			_, err := db.ApplySourceChanges(ctx, pressfeed.Actor{Name: "t"}, []pressfeed.SourceChange{{Action: pressfeed.ActionPut, Source: ok}, {Action: pressfeed.ActionPut, Source: s}})
			return err
		},
		"PutSource": func(s pressfeed.Source) error { return db.PutSource(ctx, s) },
	}
	cases := []struct {
		name   string
		src    pressfeed.Source
		fields []string
	}{
		{"domain rules", domainBad, []string{"kind", "url"}},
		{"injected check", checkBad, []string{"html.item"}},
		{"both at once", both, []string{"kind", "url", "html.item"}},
	}
	for wname, write := range writes {
		for _, c := range cases {
			err := write(c.src)
			if !hasFields(err, c.fields...) {
				t.Errorf("%s, %s: %v, want a ValidationError naming %v", wname, c.name, err, c.fields)
			}
		}
	}
	list, _ := db.Sources(ctx)
	if len(list) != 1 || list[0].Kind != "force" || list[0].HTML.Item != "article" {
		t.Errorf("refused writes changed the store: %+v", list)
	}
	if entries, _, _ := db.AuditLog(ctx, pressfeed.AuditQuery{}); len(entries) != 0 {
		t.Errorf("refused writes left %d audit entries", len(entries))
	}
}

func hasFields(err error, fields ...string) bool {
	var verr pressfeed.ValidationError
	if !errors.As(err, &verr) {
		return false
	}
	for _, f := range fields {
		found := false
		for _, fe := range verr {
			found = found || fe.Field == f
		}
		if !found {
			return false
		}
	}
	return true
}
