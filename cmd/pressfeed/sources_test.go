package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"pressfeed"
	"pressfeed/config"
)

func TestBinarySourcesVerbs(t *testing.T) {
	samples := newSampleServer(t)
	dir := t.TempDir()
	settings := writeSettings(t, dir, samples, "")

	// Plain `sources` and `sources list` both list.
	for _, args := range [][]string{{"sources", "-config", settings}, {"sources", "list", "-config", settings}} {
		out, errOut, code := runBinary(t, nil, args...)
		if code != 0 || !strings.Contains(out, "demo-rocu") || !strings.HasPrefix(out, "ID") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}

	// TOML export reads back through the settings parser to the same list.
	out, errOut, code := runBinary(t, nil, "sources", "export", "-format", "toml", "-config", settings)
	if code != 0 {
		t.Fatalf("export toml: exit %d %s", code, errOut)
	}
	exported, err := config.Parse("export.toml", []byte(out))
	if err != nil {
		t.Fatalf("the TOML export does not parse: %v\n%s", err, out)
	}
	original, err := config.Load(settings)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(exported.Sources, sortedByID(original.Sources)) {
		t.Errorf("TOML export differs from the settings' sources:\n got %+v\nwant %+v", exported.Sources, original.Sources)
	}

	// OPML export to a file.
	opmlPath := filepath.Join(dir, "sources.opml")
	if _, errOut, code := runBinary(t, nil, "sources", "export", "-format", "opml", "-o", opmlPath, "-config", settings); code != 0 {
		t.Fatalf("export opml: exit %d %s", code, errOut)
	}
	data, err := os.ReadFile(opmlPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version  string `xml:"version,attr"`
		Outlines []struct {
			Type   string `xml:"type,attr"`
			XMLURL string `xml:"xmlUrl,attr"`
		} `xml:"body>outline"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("OPML export: %v\n%s", err, data)
	}
	if doc.Version != "2.0" || len(doc.Outlines) != len(demoSources) || doc.Outlines[0].Type != "rss" || !strings.HasPrefix(doc.Outlines[0].XMLURL, samples.URL) {
		t.Errorf("OPML export: %+v", doc)
	}

	// Bad verbs and formats are usage errors that say what is allowed.
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"sources", "frobnicate"}, `unknown verb "frobnicate"`},
		{[]string{"sources", "export", "-format", "csv", "-config", settings}, `-format "csv" is not one of opml, toml`},
	}
	for _, tt := range tests {
		_, errOut, code := runBinary(t, nil, tt.args...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d %q, want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}

func sortedByID(list []pressfeed.Source) []pressfeed.Source {
	out := append([]pressfeed.Source(nil), list...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
