package main

import (
	"context"
	"fmt"

	"pressfeed"
	"pressfeed/auth"
	"pressfeed/config"
	"pressfeed/fetch"
	"pressfeed/web"
)

// accountsOf is the [[admin]] tables as the accounts that may sign in.
func accountsOf(cfg config.Config) []auth.Account {
	accounts := make([]auth.Account, len(cfg.Admins))
	for i, a := range cfg.Admins {
		accounts[i] = auth.Account{Name: a.Name, PasswordHash: a.PasswordHash}
	}
	return accounts
}

// previewer adapts fetch.Poller's Check, the same dry run `pressfeed check`
// prints, to the preview the admin page shows before a source is saved.
type previewer struct{ p *fetch.Poller }

// Preview fetches and parses src without storing anything.
func (pv previewer) Preview(ctx context.Context, src pressfeed.Source) (web.Preview, error) {
	rep, err := pv.p.Check(ctx, src)
	if err != nil {
		return web.Preview{}, err
	}
	warnings := rep.Warnings
	for _, d := range rep.Dropped {
		warnings = append(warnings, fmt.Sprintf("the rules would drop %q: %s", d.Item.Title, d.Reason))
	}
	return web.Preview{Items: rep.Items, Warnings: warnings, Strategy: rep.Strategy, Attempts: rep.Attempts}, nil
}

// demoAdmin makes an account for the demo with a fresh random password,
// so the admin pages can be tried; the demo prints the password.
func demoAdmin() (config.Admin, string, error) {
	password := auth.NewSecret()[:20]
	hash, err := auth.HashPassword(password)
	if err != nil {
		return config.Admin{}, "", err
	}
	return config.Admin{Name: "admin", PasswordHash: hash}, password, nil
}
