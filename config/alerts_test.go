package config_test

import (
	"strings"
	"testing"

	"pressfeed/config"
)

func TestAlertsSettings(t *testing.T) {
	t.Setenv("PRESSFEED_SMTP_PASSWORD", "from-env")
	cfg := parseValid(t, "a.toml", "base_url = \"https://news.example\"\n[alerts]\nsmtp_host = \"mail.example\"\nsmtp_port = 465\nsmtp_tls = \"tls\"\nsmtp_username = \"desk\"\nsmtp_password = \"in-file\"\nfrom = \"North West police news <alerts@news.example>\"\n")
	a := cfg.Alerts
	if a.SMTPHost != "mail.example" || a.SMTPPort != 465 || a.SMTPTLS != "tls" || a.Password() != "from-env" || a.FromAddress() != "alerts@news.example" {
		t.Errorf("got %+v password %q from %q", a, a.Password(), a.FromAddress())
	}
	if def := config.Default().Alerts; def.SMTPPort != 587 || def.SMTPTLS != "starttls" {
		t.Errorf("defaults %+v", def)
	}
}

func TestBadAlertsSettingsNameTheKey(t *testing.T) {
	const base = "base_url = \"https://news.example\"\n[alerts]\nsmtp_host = \"mail.example\"\nfrom = \"alerts@news.example\"\n"
	for _, tc := range []struct{ file, want string }{
		{base + "smtp_port = 0\n", `a.toml: alerts.smtp_port: 0 is not a port (1-65535)`},
		{base + "smtp_tls = \"ssl\"\n", `a.toml: alerts.smtp_tls: "ssl" is not one of starttls, tls, none`},
		{"base_url = \"https://news.example\"\n[alerts]\nsmtp_host = \"mail.example\"\nfrom = \"not an address\"\n", `alerts.from: "not an address" is not an email address`},
		{"[alerts]\nsmtp_host = \"mail.example\"\nfrom = \"alerts@news.example\"\n", `alerts.smtp_host: needs base_url`},
		{base + "smtp_hots = \"typo\"\n", `smtp_hots`},
	} {
		err := parseError("a.toml", tc.file)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.file, err, tc.want)
		}
	}
}
