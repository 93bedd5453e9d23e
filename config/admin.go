package config

import (
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"pressfeed/auth"
)

// Admin is one [[admin]] table: an account that may sign in to /admin.
// String and LogValue leave the hash out, so printing or logging a Config
// never shows it.
type Admin struct {
	Name         string `toml:"name"`
	PasswordHash string `toml:"password_hash"`
}

// String names the account without its hash.
func (a Admin) String() string { return "admin " + a.Name }

// LogValue implements slog.LogValuer without the hash.
func (a Admin) LogValue() slog.Value { return slog.StringValue(a.Name) }

// adminKeys are the keys an [[admin]] table may hold.
var adminKeys = map[string]bool{"name": true, "password_hash": true}

var adminNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func parseAdmins(md toml.MetaData, prims []toml.Primitive) ([]Admin, []string) {
	var (
		admins   []Admin
		problems []string
		seen     = make(map[string]bool)
	)
	for i, p := range prims {
		var raw map[string]any
		if err := md.PrimitiveDecode(p, &raw); err != nil {
			problems = append(problems, fmt.Sprintf("admin #%d: %v", i+1, err))
			continue
		}
		label := fmt.Sprintf("admin #%d", i+1)
		if name, ok := raw["name"].(string); ok && name != "" {
			label = fmt.Sprintf("admin %q", name)
		}
		var a Admin
		if err := md.PrimitiveDecode(p, &a); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", label, err))
			continue
		}
		var unknown []string
		for k := range raw {
			if !adminKeys[k] {
				unknown = append(unknown, k)
			}
		}
		sort.Strings(unknown)
		for _, k := range unknown {
			msg := fmt.Sprintf("%s: unknown key %q", label, k)
			if k == "password" {
				msg += " (never put a password in the settings: set password_hash to what `pressfeed admin hash-password` prints)"
			}
			problems = append(problems, msg)
		}
		a.Name = strings.TrimSpace(a.Name)
		switch {
		case a.Name == "":
			problems = append(problems, label+": name: is required")
		case !adminNameRE.MatchString(a.Name):
			problems = append(problems, fmt.Sprintf("%s: name: %q is not 1-64 letters, digits, dots, hyphens or underscores", label, a.Name))
		case seen[a.Name]:
			problems = append(problems, label+": name: duplicate")
		}
		seen[a.Name] = true
		if err := auth.CheckHash(a.PasswordHash); err != nil {
			problems = append(problems, label+": password_hash: "+err.Error())
		}
		admins = append(admins, a)
	}
	return admins, problems
}
