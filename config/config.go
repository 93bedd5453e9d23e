// Package config reads the settings file (TOML), applies environment
// overrides and validates everything before the daemon touches the store or
// the network. It also carries the embedded default list of the region's
// sources.
package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"pressfeed"
	"pressfeed/fetch"
	"pressfeed/schedule"
)

// Config is the daemon's settings. Every field has a default (Default), and
// the settings file sets any subset of them.
type Config struct {
	Listen               string `toml:"listen"`
	DB                   string `toml:"db"`
	BaseURL              string `toml:"base_url"`
	UserAgent            string `toml:"user_agent"`
	AllowPrivateNetworks bool   `toml:"allow_private_networks"`
	DefaultSchedule      string `toml:"default_schedule"`
	Concurrency          int    `toml:"concurrency"`
	// CacheMaxAge is the Cache-Control max-age of the feeds, written as a
	// duration string ("60s", "5m").
	CacheMaxAge time.Duration `toml:"cache_max_age"`
	// Hubs are WebSub hubs told whenever the merged feed changes; they
	// need BaseURL, the public address the hubs fetch.
	Hubs []string `toml:"hubs"`
	// StaleDays is how many days an enabled source may go without a new
	// item before /sources calls it stale.
	StaleDays int `toml:"stale_days"`
	// SessionHours is how long an admin stays signed in.
	SessionHours int `toml:"session_hours"`
	// TrustedProxies are the reverse proxies (addresses or CIDR prefixes)
	// whose X-Forwarded-For names the client, for the sign-in rate limit
	// and the logs.
	TrustedProxies []string `toml:"trusted_proxies"`

	// Admins are the [[admin]] tables: who may sign in to /admin.
	Admins []Admin `toml:"-"`
	// Fetch is the [fetch] table: timeouts, politeness, backoff and limits.
	Fetch Fetch `toml:"fetch"`

	// Operations: see ops.go.
	LogFormat string `toml:"log_format"` // text or json
	LogLevel  string `toml:"log_level"`  // debug, info, warn or error
	Retention int    `toml:"retention"`  // days to keep an item after first seeing it; 0 keeps for ever
	// ShutdownGrace is how long running polls may finish on SIGTERM or
	// SIGINT before they are called off (recording nothing).
	ShutdownGrace time.Duration `toml:"shutdown_grace"`

	// Sources are the [[source]] tables of the settings file. They seed an
	// empty store; once the store holds sources, the store is the list.
	Sources []pressfeed.Source `toml:"-"`
	// Path is the file the settings came from; empty for the defaults.
	Path string `toml:"-"`
}

// Version is the daemon's version, shown in the User-Agent and by `version`.
const Version = "0.1.0"

// Default returns the settings used when no file is given.
func Default() Config {
	return Config{
		Listen:          "127.0.0.1:8080",
		DB:              "./pressfeed.db",
		UserAgent:       "pressfeed/" + Version + " (+https://pressfeed.invalid/contact; set user_agent to your own contact URL)",
		DefaultSchedule: "@every 10m",
		Concurrency:     4,
		CacheMaxAge:     60 * time.Second,
		StaleDays:       7,
		SessionHours:    12,
		Fetch:           DefaultFetch(),
		LogFormat:       "text",
		LogLevel:        "info",
		Retention:       DefaultRetention,
		ShutdownGrace:   DefaultShutdownGrace,
	}
}

// Error lists every problem found in one settings file. Each problem names
// the key or source it is about.
type Error struct {
	File     string
	Problems []string
}

func (e *Error) Error() string {
	name := e.File
	if name == "" {
		name = "settings"
	}
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = name + ": " + p
	}
	return strings.Join(lines, "\n")
}

// Load reads the settings file at path (defaults only when path is empty),
// applies PRESSFEED_LISTEN and PRESSFEED_DB from the environment and validates
// the result. Errors are *Error values naming the file.
func Load(path string) (Config, error) {
	cfg := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Config{}, &Error{File: path, Problems: []string{err.Error()}}
		}
		cfg, err = Parse(path, data)
		if err != nil {
			return Config{}, err
		}
	}
	if v := os.Getenv("PRESSFEED_LISTEN"); v != "" {
		cfg.Listen = v
	}
	if v := os.Getenv("PRESSFEED_DB"); v != "" {
		cfg.DB = v
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// sourceFile is a [[source]] table as written in a settings file. Parse
// reads it and WriteSources writes it, so the two cannot drift apart.
type sourceFile struct {
	ID       string `toml:"id"`
	Name     string `toml:"name"`
	Kind     string `toml:"kind"`
	Area     string `toml:"area,omitempty"`
	URL      string `toml:"url"`
	Type     string `toml:"type"`
	Schedule string `toml:"schedule,omitempty"`
	Enabled  *bool  `toml:"enabled"`

	Feeds        []string   `toml:"feeds,omitempty"`
	Pin          string     `toml:"pin,omitempty"`
	MaxAge       string     `toml:"max_age,omitempty"`
	IgnoreRobots bool       `toml:"ignore_robots,omitempty"`
	HTML         *htmlFile  `toml:"html,omitempty"`
	Include      []ruleFile `toml:"include,omitempty"`
	Exclude      []ruleFile `toml:"exclude,omitempty"`
	Cluster      *bool      `toml:"cluster,omitempty"`
}

func (f sourceFile) source() pressfeed.Source {
	s := pressfeed.Source{
		ID:       strings.TrimSpace(f.ID),
		Name:     strings.TrimSpace(f.Name),
		Kind:     pressfeed.Kind(f.Kind),
		Area:     strings.TrimSpace(f.Area),
		URL:      strings.TrimSpace(f.URL),
		Type:     pressfeed.SourceType(f.Type),
		Schedule: strings.TrimSpace(f.Schedule),
		Enabled:  f.Enabled == nil || *f.Enabled,

		HTML:         f.HTML.spec(),
		Feeds:        trimAll(f.Feeds),
		Pin:          strings.TrimSpace(f.Pin),
		Include:      rules(f.Include),
		Exclude:      rules(f.Exclude),
		MaxAge:       strings.TrimSpace(f.MaxAge),
		IgnoreRobots: f.IgnoreRobots,
		Cluster:      f.Cluster,
	}
	if s.Type == "" {
		s.Type = pressfeed.TypeFeed
	}
	return s
}

// trimAll trims each string of list, keeping nil as nil.
func trimAll(list []string) []string {
	var out []string
	for _, s := range list {
		out = append(out, strings.TrimSpace(s))
	}
	return out
}

// Parse reads settings from data on top of Default, checking for unknown keys
// and invalid sources. name is used in error messages. It does not apply the
// environment and does not validate the top-level settings; Load does both.
func Parse(name string, data []byte) (Config, error) {
	doc := struct {
		Config
		Source []toml.Primitive `toml:"source"`
		Admin  []toml.Primitive `toml:"admin"`
	}{Config: Default()}
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&doc)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return Config{}, &Error{File: name, Problems: []string{fmt.Sprintf("line %d: %s", perr.Position.Line, perr.Message)}}
		}
		return Config{}, &Error{File: name, Problems: []string{err.Error()}}
	}
	cfg := doc.Config
	cfg.Path = name
	var problems []string
	sources, srcProblems := parseSources(md, doc.Source)
	problems = append(problems, srcProblems...)
	admins, adminProblems := parseAdmins(md, doc.Admin)
	problems = append(problems, adminProblems...)
	for _, k := range md.Undecoded() {
		if len(k) > 0 && (k[0] == "source" || k[0] == "admin") {
			continue // reported per table, with its id or name
		}
		problems = append(problems, fmt.Sprintf("unknown key %q", k.String()))
	}
	if len(problems) > 0 {
		return Config{}, &Error{File: name, Problems: problems}
	}
	cfg.Sources = sources
	cfg.Admins = admins
	return cfg, nil
}

// sourceKeys are the keys a [[source]] table may hold.
var sourceKeys = map[string]bool{
	"id": true, "name": true, "kind": true, "area": true, "url": true,
	"type": true, "schedule": true, "enabled": true,
	"html": true, "feeds": true, "pin": true, "include": true, "exclude": true, "max_age": true, "ignore_robots": true,
	"cluster": true,
}

func parseSources(md toml.MetaData, prims []toml.Primitive) ([]pressfeed.Source, []string) {
	var (
		sources  []pressfeed.Source
		problems []string
		seen     = make(map[string]int)
	)
	for i, p := range prims {
		var raw map[string]any
		if err := md.PrimitiveDecode(p, &raw); err != nil {
			problems = append(problems, fmt.Sprintf("source #%d: %v", i+1, err))
			continue
		}
		var f sourceFile
		if err := md.PrimitiveDecode(p, &f); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v%s", sourceLabel(i, raw), err, decodeHint(err)))
			continue
		}
		label := sourceLabel(i, raw)
		var unknown []string
		for k := range raw {
			if !sourceKeys[k] {
				unknown = append(unknown, k)
			}
		}
		sort.Strings(unknown)
		unknown = append(unknown, nestedUnknownKeys(raw)...)
		for _, k := range unknown {
			problems = append(problems, fmt.Sprintf("%s: unknown key %q", label, k))
		}
		src := f.source()
		if err := ValidateSource(src); err != nil {
			problems = append(problems, fieldProblems(label, err)...)
		}
		if src.ID != "" {
			if j, dup := seen[src.ID]; dup {
				problems = append(problems, fmt.Sprintf("%s: duplicate id (also source #%d)", label, j+1))
			}
			seen[src.ID] = i
		}
		sources = append(sources, src)
	}
	return sources, problems
}

func sourceLabel(i int, raw map[string]any) string {
	if id, ok := raw["id"].(string); ok && id != "" {
		return fmt.Sprintf("source %q", id)
	}
	return fmt.Sprintf("source #%d", i+1)
}

func fieldProblems(label string, err error) []string {
	var verr pressfeed.ValidationError
	if errors.As(err, &verr) {
		out := make([]string, len(verr))
		for i, fe := range verr {
			out[i] = label + ": " + fe.Error()
		}
		return out
	}
	return []string{label + ": " + err.Error()}
}

// ValidateSource checks every field of src, including its schedule, html
// selectors and rules (through fetch.ValidateSource). It
// returns a pressfeed.ValidationError naming each bad field, or nil. The admin
// page, the API and the command line all validate through it.
func ValidateSource(src pressfeed.Source) error {
	var errs pressfeed.ValidationError
	if err := src.Validate(); err != nil {
		var verr pressfeed.ValidationError
		if !errors.As(err, &verr) {
			verr = pressfeed.ValidationError{{Field: "source", Reason: err.Error()}}
		}
		errs = append(errs, verr...)
	}
	if src.Schedule != "" {
		if _, err := schedule.Parse(src.Schedule); err != nil {
			errs = append(errs, pressfeed.FieldError{Field: "schedule", Reason: err.Error()})
		}
	}
	var ferrs pressfeed.ValidationError
	if errors.As(fetch.ValidateSource(src), &ferrs) {
		errs = append(errs, ferrs...)
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// Validate checks the top-level settings.
func (c Config) Validate() error {
	var problems []string
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		problems = append(problems, fmt.Sprintf("listen: %q is not host:port", c.Listen))
	}
	if strings.TrimSpace(c.DB) == "" {
		problems = append(problems, "db: is empty")
	}
	if c.BaseURL != "" {
		if err := pressfeed.CheckURL(c.BaseURL); err != nil {
			problems = append(problems, "base_url: "+err.Error())
		}
	}
	if strings.TrimSpace(c.UserAgent) == "" {
		problems = append(problems, "user_agent: is empty")
	}
	if _, err := schedule.Parse(c.DefaultSchedule); err != nil {
		problems = append(problems, "default_schedule: "+err.Error())
	}
	if c.Concurrency < 1 || c.Concurrency > 64 {
		problems = append(problems, fmt.Sprintf("concurrency: %d is not between 1 and 64", c.Concurrency))
	}
	problems = append(problems, c.validateServing()...)
	if c.StaleDays < 1 || c.StaleDays > 365 {
		problems = append(problems, fmt.Sprintf("stale_days: %d is not between 1 and 365", c.StaleDays))
	}
	if c.SessionHours < 1 || c.SessionHours > 720 {
		problems = append(problems, fmt.Sprintf("session_hours: %d is not between 1 and 720", c.SessionHours))
	}
	problems = append(problems, c.Fetch.problems()...)
	problems = append(problems, c.opsProblems()...)
	if len(problems) > 0 {
		return &Error{File: c.Path, Problems: problems}
	}
	return nil
}

//go:embed defaults.toml
var defaultSources []byte

// DefaultSources returns the embedded list of the region's organisations.
func DefaultSources() []pressfeed.Source {
	cfg, err := Parse("defaults.toml", defaultSources)
	if err != nil {
		panic("embedded defaults.toml is invalid: " + err.Error()) // caught by the package tests
	}
	return cfg.Sources
}

// SeedSources returns the sources an empty store starts with: the settings
// file's own [[source]] tables when it has any, else the embedded defaults.
func (c Config) SeedSources() []pressfeed.Source {
	if len(c.Sources) > 0 {
		return c.Sources
	}
	return DefaultSources()
}
