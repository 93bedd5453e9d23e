package config

import (
	"fmt"
	"io"

	"github.com/BurntSushi/toml"

	"pressfeed"
)

// exportedSource is a [[source]] table as WriteSources writes it: every
// field, so the file says exactly what the store holds.
type exportedSource struct {
	ID       string `toml:"id"`
	Name     string `toml:"name"`
	Kind     string `toml:"kind"`
	Area     string `toml:"area,omitempty"`
	URL      string `toml:"url"`
	Type     string `toml:"type"`
	Schedule string `toml:"schedule,omitempty"`
	Enabled  bool   `toml:"enabled"`
}

// WriteSources writes sources as the [[source]] tables of a settings file.
// Parse reads the result back to the same list, so an export can seed
// another store or be kept under version control.
func WriteSources(w io.Writer, sources []pressfeed.Source) error {
	if _, err := fmt.Fprintf(w, "# pressfeed %s source list: [[source]] tables for a settings file.\n\n", Version); err != nil {
		return err
	}
	doc := struct {
		Source []exportedSource `toml:"source"`
	}{}
	for _, s := range sources {
		doc.Source = append(doc.Source, exportedSource{
			ID: s.ID, Name: s.Name, Kind: string(s.Kind), Area: s.Area, URL: s.URL,
			Type: string(s.Type), Schedule: s.Schedule, Enabled: s.Enabled,
		})
	}
	if err := toml.NewEncoder(w).Encode(doc); err != nil {
		return fmt.Errorf("write sources: %w", err)
	}
	return nil
}
