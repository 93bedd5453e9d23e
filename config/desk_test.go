package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pressfeed/config"
)

// hash is a valid bcrypt hash (of "correct horse battery", cost 4).
const hash = "$2a$04$Qmu5oBb1hCW93BR7/CDu6OOL.H7rRIxd/d1.bVoZBWkwSCJGnwheG"

func load(t *testing.T, doc string) (config.Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.toml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		return cfg, fmt.Errorf("%s", strings.ReplaceAll(err.Error(), path, "s.toml"))
	}
	return cfg, nil
}

func TestAdminTables(t *testing.T) {
	cfg, err := load(t, fmt.Sprintf("stale_days = 14\nsession_hours = 8\n[[admin]]\nname = \"admin\"\npassword_hash = %q\n[[admin]]\nname = \"editor\"\npassword_hash = %q\n", hash, hash))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Admins) != 2 || cfg.Admins[1].Name != "editor" || cfg.Admins[1].PasswordHash != hash || cfg.StaleDays != 14 || cfg.SessionHours != 8 {
		t.Errorf("parsed %+v", cfg)
	}
	if s := fmt.Sprintf("%v %+v", cfg, cfg.Admins); strings.Contains(s, hash) {
		t.Errorf("printing the settings shows a password hash: %s", s)
	}
	if def := config.Default(); def.StaleDays != 7 || def.SessionHours != 12 || len(def.Admins) != 0 {
		t.Errorf("defaults %+v", def)
	}
}

func TestBadAdminTables(t *testing.T) {
	tests := []struct {
		name, toml string
		want       []string
	}{
		{"plain password", "[[admin]]\nname = \"admin\"\npassword = \"hunter2\"", []string{`s.toml: admin "admin": unknown key "password" (never put a password in the settings`, `admin "admin": password_hash: is required`}},
		{"not a hash", "[[admin]]\nname = \"admin\"\npassword_hash = \"hunter2\"", []string{`admin "admin": password_hash: is not a bcrypt hash`}},
		{"no name", fmt.Sprintf("[[admin]]\npassword_hash = %q", hash), []string{"admin #1: name: is required"}},
		{"bad name", fmt.Sprintf("[[admin]]\nname = \"a b\"\npassword_hash = %q", hash), []string{`admin "a b": name: "a b" is not 1-64 letters`}},
		{"duplicate", fmt.Sprintf("[[admin]]\nname = \"admin\"\npassword_hash = %q\n[[admin]]\nname = \"admin\"\npassword_hash = %q", hash, hash), []string{`admin "admin": name: duplicate`}},
		{"stale days", "stale_days = 0", []string{"stale_days: 0 is not between 1 and 365"}},
		{"session hours", "session_hours = 1000", []string{"session_hours: 1000 is not between 1 and 720"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.toml)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error repeats a password: %v", err)
			}
		})
	}
}
