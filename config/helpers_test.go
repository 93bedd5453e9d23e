package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pressfeed/config"
)

// parseValid parses doc as the settings file name and validates it,
// failing t on an error from either.
func parseValid(t *testing.T, name, doc string) config.Config {
	t.Helper()
	cfg, err := config.Parse(name, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// parseError parses doc as the settings file name and, when that works,
// validates it; it returns the first error.
func parseError(name, doc string) error {
	cfg, err := config.Parse(name, []byte(doc))
	if err == nil {
		err = cfg.Validate()
	}
	return err
}

// loadFile writes doc to a settings file in a temporary folder and loads
// it; it returns the error's message with the file called bad.toml.
func loadFile(t *testing.T, doc string) (string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := config.Load(path)
	if err == nil {
		return "", nil
	}
	return strings.ReplaceAll(err.Error(), path, "bad.toml"), err
}

// wantInError checks that the error message msg contains each of wants.
func wantInError(t *testing.T, msg string, wants []string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not contain %q", msg, w)
		}
	}
}
