package sourcelist

import (
	"fmt"
	"io"

	"github.com/BurntSushi/toml"

	"pressfeed"
)

// fileSource is the inverse of sourceFile.source: every field, so the file
// says exactly what the store holds.
func fileSource(s pressfeed.Source) sourceFile {
	enabled := s.Enabled
	return sourceFile{
		ID: s.ID, Name: s.Name, Kind: string(s.Kind), Area: s.Area, URL: s.URL,
		Type: string(s.Type), Schedule: s.Schedule, Enabled: &enabled,
		Feeds: s.Feeds, Pin: s.Pin, MaxAge: s.MaxAge, IgnoreRobots: s.IgnoreRobots,
		HTML: fileHTML(s.HTML), Include: fileRules(s.Include), Exclude: fileRules(s.Exclude),
		Cluster: s.Cluster,
	}
}

// WriteTOML writes sources as the [[source]] tables of a settings file.
// Parse and config.Parse read the result back to the same list, so an export can seed
// another store or be kept under version control.
func WriteTOML(w io.Writer, sources []pressfeed.Source) error {
	if _, err := fmt.Fprintf(w, "# pressfeed %s source list: [[source]] tables for a settings file.\n\n", pressfeed.Version); err != nil {
		return err
	}
	doc := struct {
		Source []sourceFile `toml:"source"`
	}{}
	for _, s := range sources {
		doc.Source = append(doc.Source, fileSource(s))
	}
	if err := toml.NewEncoder(w).Encode(doc); err != nil {
		return fmt.Errorf("write sources: %w", err)
	}
	return nil
}
