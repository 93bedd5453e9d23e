package config

import (
	"fmt"
	"net/mail"
	"os"
	"strings"
)

// Alerts is the [alerts] table: how subscriptions' email is sent.
// Webhooks need no settings. Without smtp_host, email subscriptions are
// stored but each send fails saying so.
type Alerts struct {
	SMTPHost string `toml:"smtp_host"`
	SMTPPort int    `toml:"smtp_port"` // 587
	// SMTPTLS is "starttls" (the default; the server must offer it), "tls"
	// (port 465) or "none" (a relay on this machine only).
	SMTPTLS      string `toml:"smtp_tls"`
	SMTPUsername string `toml:"smtp_username"`
	// SMTPPassword is better given as PRESSFEED_SMTP_PASSWORD in the
	// environment than written here.
	SMTPPassword string `toml:"smtp_password"`
	// From is the sender, "North West police news <alerts@example.org>".
	From string `toml:"from"`
}

// DefaultAlerts returns the [alerts] settings used when the file sets none.
func DefaultAlerts() Alerts { return Alerts{SMTPPort: 587, SMTPTLS: "starttls"} }

// Password returns the SMTP password: PRESSFEED_SMTP_PASSWORD when set,
// else smtp_password.
func (a Alerts) Password() string {
	if v := os.Getenv("PRESSFEED_SMTP_PASSWORD"); v != "" {
		return v
	}
	return a.SMTPPassword
}

// FromAddress returns the bare address of From, for the SMTP envelope.
func (a Alerts) FromAddress() string {
	if addr, err := mail.ParseAddress(a.From); err == nil {
		return addr.Address
	}
	return a.From
}

func (a Alerts) problems() []string {
	if a.SMTPHost == "" {
		return nil
	}
	var out []string
	if a.SMTPPort < 1 || a.SMTPPort > 65535 {
		out = append(out, fmt.Sprintf("alerts.smtp_port: %d is not a port (1-65535)", a.SMTPPort))
	}
	switch strings.ToLower(a.SMTPTLS) {
	case "starttls", "tls", "none":
	default:
		out = append(out, fmt.Sprintf("alerts.smtp_tls: %q is not one of starttls, tls, none", a.SMTPTLS))
	}
	if _, err := mail.ParseAddress(a.From); err != nil {
		out = append(out, fmt.Sprintf("alerts.from: %q is not an email address (needed with smtp_host)", a.From))
	}
	return out
}
