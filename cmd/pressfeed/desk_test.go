package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pressfeed"
	"pressfeed/config"
)

// testHash is a bcrypt hash of testPassword at the lowest cost, so signing
// in is quick; hash-password itself is tested at the real cost.
const (
	testPassword = "correct horse battery"
	testHash     = "$2a$04$Qmu5oBb1hCW93BR7/CDu6OOL.H7rRIxd/d1.bVoZBWkwSCJGnwheG"
)

func TestBinaryHashPassword(t *testing.T) {
	out, errOut, code := runBinaryInput(t, testPassword+"\n", "admin", "hash-password", "-name", "editor")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// What it prints is a valid [[admin]] table the daemon accepts.
	path := filepath.Join(t.TempDir(), "s.toml")
	os.WriteFile(path, []byte(out), 0o644)
	cfg, err := config.Load(path)
	if err != nil || len(cfg.Admins) != 1 || cfg.Admins[0].Name != "editor" || !strings.HasPrefix(cfg.Admins[0].PasswordHash, "$2a$12$") {
		t.Errorf("printed %q: %v", out, err)
	}
	if strings.Contains(out+errOut, testPassword) {
		t.Error("the password was echoed")
	}
	_, errOut, code = runBinaryInput(t, "short\n", "admin", "hash-password")
	if code != 2 || !strings.Contains(errOut, "use at least 12") {
		t.Errorf("short password: exit %d %q", code, errOut)
	}
}

// writeDeskSettings writes settings with one admin and the demo sources.
func writeDeskSettings(t *testing.T, dir string, samples *sampleServer) string {
	return writeSettings(t, dir, samples, fmt.Sprintf("listen = \"127.0.0.1:0\"\n[[admin]]\nname = \"editor\"\npassword_hash = %q\n", testHash))
}

func TestBinarySourcesEditVerbs(t *testing.T) {
	samples := newSampleServer(t)
	dir := t.TempDir()
	settings := writeDeskSettings(t, dir, samples)
	run := func(args ...string) (string, string, int) {
		t.Helper()
		return runBinary(t, nil, append(args, "-config", settings)...)
	}

	_, errOut, code := run("sources", "add", "-id", "Bad Id", "-name", "X", "-kind", "police", "-url", "ftp://x.example/")
	if code != 2 || !strings.Contains(errOut, `source "Bad Id": -id: "Bad Id" is not a slug`) || !strings.Contains(errOut, `-kind: "police" is not one of`) ||
		!strings.Contains(errOut, "-url:") || !strings.Contains(errOut, "nothing was changed") {
		t.Errorf("invalid add: exit %d\n%s", code, errOut)
	}
	out, errOut, code := run("sources", "add", "-id", "extra", "-name", "Extra Police", "-kind", "force", "-area", "Extrashire", "-url", samples.URL+"/demo-rocu.json")
	if code != 0 || out != "added extra\n" {
		t.Fatalf("add: exit %d %q %s", code, out, errOut)
	}
	if _, errOut, code := run("sources", "add", "-id", "extra", "-name", "Again", "-kind", "force", "-url", "https://again.example/"); code != 2 || !strings.Contains(errOut, `a source "extra" exists`) {
		t.Errorf("second add: exit %d %s", code, errOut)
	}
	if out, _, code := run("sources", "edit", "extra", "-name", "Extra Constabulary", "-schedule", "@every 30m"); code != 0 || out != "updated extra\n" {
		t.Errorf("edit: exit %d %q", code, out)
	}
	if _, errOut, code := run("sources", "edit", "extra", "-schedule", "TZ=0"); code != 2 || !strings.Contains(errOut, "-schedule:") {
		t.Errorf("bad edit: exit %d %q", code, errOut)
	}
	if out, _, code := run("sources", "disable", "extra"); code != 0 || out != "updated extra\n" {
		t.Errorf("disable: exit %d %q", code, out)
	}
	if out, _, code := run("sources", "disable", "extra"); code != 0 || !strings.Contains(out, "nothing changed") {
		t.Errorf("disable twice: exit %d %q", code, out)
	}
	out, _, _ = run("sources")
	if !strings.Contains(out, "extra") || !strings.Contains(out, "Extrashire") || !strings.Contains(out, "false") {
		t.Errorf("list after edits:\n%s", out)
	}

	// Export, change the file, import it back: one source changes.
	exported, _, code := run("sources", "export", "-format", "toml")
	if code != 0 || !strings.Contains(exported, `name = "Extra Constabulary"`) {
		t.Fatalf("export: exit %d\n%s", code, exported)
	}
	file := filepath.Join(dir, "list.toml")
	os.WriteFile(file, []byte(strings.Replace(exported, `name = "Extra Constabulary"`, `name = "Extra Police Service"`, 1)), 0o644)
	if out, _, code := run("sources", "import", "-dry-run", file); code != 0 || !strings.Contains(out, "change  extra") || !strings.Contains(out, "1 to add or change, 4 unchanged") {
		t.Errorf("dry run: exit %d\n%s", code, out)
	}
	if out, _, code := run("sources", "import", file); code != 0 || !strings.Contains(out, "imported") {
		t.Errorf("import: exit %d\n%s", code, out)
	}
	if out, _, _ := run("sources"); !strings.Contains(out, "extra") {
		t.Error("import lost a source")
	}
	opml, _, code := run("sources", "export", "-format", "opml")
	if code != 0 || !strings.Contains(opml, `text="Extra Police Service"`) {
		t.Errorf("opml export: exit %d\n%s", code, opml)
	}
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[[source]]\nid = \"x\"\nname = \"X\"\nkind = \"police\"\nurl = \"https://x.example/\"\n"), 0o644)
	if _, errOut, code := run("sources", "import", bad); code != 2 || !strings.Contains(errOut, `source "x": kind`) || !strings.Contains(errOut, "nothing was imported") {
		t.Errorf("bad import: exit %d %s", code, errOut)
	}

	if out, _, code := run("sources", "rm", "extra"); code != 0 || out != "removed extra\n" {
		t.Errorf("rm: exit %d %q", code, out)
	}
	if _, errOut, code := run("sources", "rm", "extra"); code != 2 || !strings.Contains(errOut, `there is no source "extra"`) {
		t.Errorf("rm twice: exit %d %q", code, errOut)
	}
	if _, errOut, code := run("sources", "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown verb "frobnicate"`) {
		t.Errorf("unknown verb: exit %d %q", code, errOut)
	}
}

func TestBinaryRefusesWhileDaemonRuns(t *testing.T) {
	samples := newSampleServer(t)
	dir := t.TempDir()
	settings := writeDeskSettings(t, dir, samples)
	cfg, err := config.Load(settings)
	if err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, cfg)
	defer d.Close(context.Background())
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"sources", "add", "-id", "x", "-name", "X", "-kind", "force", "-url", "https://x.example/"}, "curl -X POST -H 'Authorization: Bearer TOKEN'"},
		{[]string{"sources", "edit", "demo-rocu", "-name", "Y"}, "/api/v1/sources/demo-rocu"},
		{[]string{"sources", "rm", "demo-rocu"}, "curl -X DELETE"},
		{[]string{"sources", "disable", "demo-rocu"}, `{"enabled":false}`},
		{[]string{"sources", "export"}, "/admin/export.toml"},
		{[]string{"admin", "token", "create", "sync"}, "/admin/tokens"},
	}
	// Each waits a second for the lock, so they wait together.
	t.Run("verbs", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(strings.Join(tt.args[:2], " "), func(t *testing.T) {
				t.Parallel()
				_, errOut, code := runBinary(t, nil, append(tt.args, "-config", settings)...)
				if code != 1 || !strings.Contains(errOut, "is held by a running daemon") || !strings.Contains(errOut, tt.want) {
					t.Errorf("%v: exit %d\n%s", tt.args, code, errOut)
				}
			})
		}
	})
}

// TestDaemonAPIEndToEnd makes a token with the CLI, starts the daemon on
// the same store and drives the API: a created source is polled at once
// without a restart, and the audit log names the token.
func TestDaemonAPIEndToEnd(t *testing.T) {
	samples := newSampleServer(t)
	dir := t.TempDir()
	settings := writeDeskSettings(t, dir, samples)
	token, errOut, code := runBinary(t, nil, "admin", "token", "create", "-config", settings, "newsroom")
	token = strings.TrimSpace(token)
	if code != 0 || !strings.HasPrefix(token, "pft_") {
		t.Fatalf("token create: exit %d %q %s", code, token, errOut)
	}
	if out, _, _ := runBinary(t, nil, "admin", "token", "list", "-config", settings); !strings.Contains(out, "newsroom") || strings.Contains(out, token) || !strings.Contains(out, "never") {
		t.Errorf("token list:\n%s", out)
	}
	cfg, _ := config.Load(settings)
	d := startDaemon(t, cfg)
	defer d.Close(context.Background())
	waitPolled(t, d, len(demoSources))

	call := apiCaller(t, d.URL(), token)
	// A new source: the demo commissioner's feed under another id.
	status, body := call("POST", "/api/v1/sources", fmt.Sprintf(`{"id":"second-copy","name":"Second Copy","kind":"pcc","url":%q}`, samples.URL+"/demo-commissioner.atom"))
	if status != 201 {
		t.Fatalf("create: %d %s", status, body)
	}
	waitPolled(t, d, len(demoSources)+1) // polled at once, no restart
	status, body = call("GET", "/api/v1/sources/second-copy", "")
	var got struct {
		Status string `json:"status"`
		Items  int    `json:"items_last_30_days"`
		State  pressfeed.SourceState
	}
	json.Unmarshal([]byte(body), &got)
	if status != 200 || got.State.ItemCount != 3 {
		t.Errorf("after create: %d %s", status, body)
	}
	if status, _ := call("DELETE", "/api/v1/sources/second-copy", ""); status != 204 {
		t.Errorf("delete: %d", status)
	}
	if !d.Scheduler.NextRun("second-copy").IsZero() {
		t.Error("deleted source still scheduled")
	}
	entries, _, _ := d.DB.AuditLog(context.Background(), pressfeed.AuditQuery{})
	if len(entries) != 3 || entries[0].Actor != (pressfeed.Actor{Name: "newsroom", Via: "api"}) || entries[2].Action != pressfeed.ActionTokenCreate || entries[2].Actor.Via != "cli" {
		t.Errorf("audit %+v", entries)
	}
	if toks, err := d.DB.Tokens(context.Background()); err != nil || len(toks) != 1 || toks[0].LastUsed.IsZero() {
		t.Errorf("the token's use was not recorded: %+v %v", toks, err)
	}
}

func TestServeWithoutAdminIsLocked(t *testing.T) {
	samples := newSampleServer(t)
	d := startDaemon(t, samples.config(t, filepath.Join(t.TempDir(), "locked.db")))
	defer d.Close(context.Background())
	status, body := httpGet(t, d.URL()+"/admin")
	if status != 403 || !strings.Contains(body, "pressfeed admin hash-password") {
		t.Errorf("/admin with no [[admin]]: %d", status)
	}
}

// apiCaller returns a function making API requests to base with token and
// returning the status and body.
func apiCaller(t *testing.T, base, token string) func(method, path, body string) (int, string) {
	return func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
}
