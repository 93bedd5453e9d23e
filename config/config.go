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
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"pressfeed"
	"pressfeed/fetch"
	"pressfeed/schedule"
	"pressfeed/sourcelist"
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
	// Alerts is the [alerts] table: the mail server subscriptions use.
	Alerts Alerts `toml:"alerts"`

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

// Default returns the settings used when no file is given.
func Default() Config {
	return Config{
		Listen:          "127.0.0.1:8080",
		DB:              "./pressfeed.db",
		UserAgent:       "pressfeed/" + pressfeed.Version + " (+https://pressfeed.invalid/contact; set user_agent to your own contact URL)",
		DefaultSchedule: "@every 10m",
		Concurrency:     4,
		CacheMaxAge:     60 * time.Second,
		StaleDays:       7,
		SessionHours:    12,
		Fetch:           DefaultFetch(),
		Alerts:          DefaultAlerts(),
		LogFormat:       "text",
		LogLevel:        "info",
		Retention:       DefaultRetention,
		ShutdownGrace:   DefaultShutdownGrace,
	}
}

// Error lists every problem found in one settings file, each naming the
// key, source or admin it is about. It is the source lists' error, so an
// import and a settings file read the same.
type Error = sourcelist.Error

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
		return Config{}, sourcelist.ParseError(name, err)
	}
	cfg := doc.Config
	cfg.Path = name
	var problems []string
	sources, srcProblems := sourcelist.Decode(md, doc.Source, ValidateSource)
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

// ValidateSource checks every field of src: the domain's rules
// (Source.Validate) and then CheckSource's. It returns a
// pressfeed.ValidationError naming each bad field, or nil. Settings files
// and source lists are read through it; the store applies the same two
// checks on every write (index.Options.ValidateSource is CheckSource).
func ValidateSource(src pressfeed.Source) error {
	return src.ValidateWith(CheckSource)
}

// CheckSource checks what the domain type cannot judge on its own: the
// schedule (through schedule.Parse) and the html selectors, pin and rules
// (through fetch.ValidateSource). It returns a pressfeed.ValidationError
// or nil.
func CheckSource(src pressfeed.Source) error {
	var errs pressfeed.ValidationError
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
	problems = append(problems, c.Alerts.problems()...)
	if c.Alerts.SMTPHost != "" && c.BaseURL == "" {
		problems = append(problems, "alerts.smtp_host: needs base_url, for the unsubscribe and desk links every message carries")
	}
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
