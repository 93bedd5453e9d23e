package main

import (
	"context"
	"time"

	"pressfeed"
	"pressfeed/auth"
	"pressfeed/config"
	"pressfeed/fetch"
	"pressfeed/web"
)

// webOptions hands the web server the parts behind the pages, the admin
// side and the API: the store, the scheduler, the poller's preview and the
// admin accounts from the settings.
func (d *Daemon) webOptions() web.Options {
	accounts := make([]auth.Account, len(d.Config.Admins))
	for i, a := range d.Config.Admins {
		accounts[i] = auth.Account{Name: a.Name, PasswordHash: a.PasswordHash}
	}
	return web.Options{
		BaseURL:    d.Config.BaseURL,
		Logger:     d.Logger,
		Admin:      d.DB,
		Scheduler:  d.Scheduler,
		Previewer:  previewer{d.Poller},
		Accounts:   accounts,
		StaleAfter: time.Duration(d.Config.StaleDays) * 24 * time.Hour,
		SessionTTL: time.Duration(d.Config.SessionHours) * time.Hour,
	}
}

// previewer adapts fetch.Poller's preview to what web asks for.
type previewer struct{ p *fetch.Poller }

// Preview fetches and parses src without storing anything.
func (pv previewer) Preview(ctx context.Context, src pressfeed.Source) (web.Preview, error) {
	res, err := pv.p.Preview(ctx, src)
	if err != nil {
		return web.Preview{}, err
	}
	return web.Preview{Items: res.Items, Warnings: res.Warnings}, nil
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
