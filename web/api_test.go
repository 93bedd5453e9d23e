package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"pressfeed"
	"pressfeed/auth"
)

var (
	regexpChecked = regexp.MustCompile(`name="checked" value="([^"]+)"`)
	regexpToken   = regexp.MustCompile(`id="new-token">([^<]+)<`)
)

type api struct {
	t     *testing.T
	base  string
	token string
}

func apiClient(d *desk, token string) *api { return &api{t: d.t, base: d.Srv.URL, token: token} }

func (a *api) call(method, path, body string) response {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.base+path, strings.NewReader(body))
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return a.do(req)
}

// do sends req with the default client and reads the whole answer.
func (a *api) do(req *http.Request) response {
	a.t.Helper()
	return (&browser{t: a.t, c: http.DefaultClient}).do(req)
}

// expect fails t unless resp, the answer to what, has status and a body
// holding each of want.
func (resp response) expect(t *testing.T, what string, status int, want []string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: %d, want %d\n%s", what, resp.StatusCode, status, resp.Body)
	}
	for _, w := range want {
		if !strings.Contains(resp.Body, w) {
			t.Errorf("body lacks %q:\n%s", w, resp.Body)
		}
	}
}

// newToken stores a token the way the CLI and the tokens page do.
func newToken(t *testing.T, d *desk, name string) string {
	t.Helper()
	token, hash := auth.NewToken()
	if err := d.DB.CreateToken(context.Background(), pressfeed.APIToken{Name: name, Hash: hash, CreatedBy: pressfeed.Actor{Name: "test", Via: "cli"}}); err != nil {
		t.Fatal(err)
	}
	return token
}

func TestAPI(t *testing.T) {
	d := newDesk(t, deskOptions{sources: []pressfeed.Source{{ID: "force-a", Name: "Force A", Kind: "force", URL: "https://a.example/feed", Type: "feed"}}})
	token := newToken(t, d, "sync")
	c := apiClient(d, token)
	feed := d.Feeds.URL + "/press.rss"
	tests := []struct {
		name, method, path, body string
		token                    string // overrides the good token; "-" sends none
		status                   int
		want                     []string // in the body
	}{
		{"no token", "GET", "/api/v1/sources", "", "-", 401, []string{"Authorization: Bearer TOKEN"}},
		{"unknown token", "GET", "/api/v1/sources", "", "pft_nope", 401, []string{"not known"}},
		{"basic auth is not a token", "GET", "/api/v1/sources", "", "Basic", 401, nil},
		{"list", "GET", "/api/v1/sources", "", "", 200, []string{`"id": "force-a"`, `"status": "disabled"`, `"summary": "0 of 0 sources healthy; 1 more disabled"`}},
		{"get", "GET", "/api/v1/sources/force-a", "", "", 200, []string{`"name": "Force A"`, `"items_last_7_days": 0`}},
		{"get missing", "GET", "/api/v1/sources/nope", "", "", 404, []string{`there is no source \"nope\"`}},
		{"create invalid", "POST", "/api/v1/sources", `{"id":"Bad","name":"","kind":"x","url":"mailto:a@b"}`, "", 422,
			[]string{`"field": "id"`, `"field": "name"`, `"field": "kind"`, `"field": "url"`}},
		{"create unknown field", "POST", "/api/v1/sources", `{"id":"x","colour":"blue"}`, "", 400, []string{`unknown field \"colour\"`}},
		{"create not JSON", "POST", "/api/v1/sources", `id=x`, "", 400, []string{"not a JSON source"}},
		{"create", "POST", "/api/v1/sources", `{"id":"fixture","name":"Fixture","kind":"pcc","url":"` + feed + `"}`, "", 201, []string{`"enabled": true`, `"type": "auto"`}},
		{"create again", "POST", "/api/v1/sources", `{"id":"fixture","name":"Fixture","kind":"pcc","url":"` + feed + `"}`, "", 409, []string{"exists"}},
		{"patch", "PATCH", "/api/v1/sources/fixture", `{"area":"Fixtureshire","enabled":false}`, "", 200, []string{`"area": "Fixtureshire"`, `"enabled": false`, `"name": "Fixture"`}},
		{"patch invalid schedule", "PATCH", "/api/v1/sources/fixture", `{"schedule":"TZ=Europe/London 0 * * * *"}`, "", 422, []string{`"field": "schedule"`, "time zones are not supported"}},
		{"put changes the id", "PUT", "/api/v1/sources/fixture", `{"id":"other","name":"F","kind":"pcc","url":"` + feed + `"}`, "", 422, []string{"cannot change"}},
		{"put", "PUT", "/api/v1/sources/fixture", `{"name":"Fixture PCC","kind":"pcc","url":"` + feed + `"}`, "", 200, []string{`"name": "Fixture PCC"`, `"enabled": true`}},
		{"put missing", "PUT", "/api/v1/sources/nope", `{"name":"N","kind":"pcc","url":"` + feed + `"}`, "", 404, nil},
		{"poll", "POST", "/api/v1/sources/fixture/poll", "", "", 202, []string{"Polling Fixture PCC now"}},
		{"poll disabled", "POST", "/api/v1/sources/force-a/poll", "", "", 409, []string{"is disabled"}},
		{"preview", "POST", "/api/v1/sources/preview", `{"id":"p","name":"P","kind":"force","url":"` + feed + `"}`, "", 200, []string{"Officers seize drugs in raid", `"warnings": []`}},
		{"preview unreachable", "POST", "/api/v1/sources/preview", `{"id":"p","name":"P","kind":"force","url":"` + d.Feeds.URL + `/missing.rss"}`, "", 502, []string{"404"}},
		{"delete", "DELETE", "/api/v1/sources/fixture", "", "", 204, nil},
		{"delete again", "DELETE", "/api/v1/sources/fixture", "", "", 404, nil},
		{"audit", "GET", "/api/v1/audit?source=fixture", "", "", 200, []string{`"action": "delete"`, `"action": "poll"`, `"action": "create"`, `"name": "sync"`, `"via": "api"`}},
		{"audit bad cursor", "GET", "/api/v1/audit?before=zz", "", "", 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cc := *c
			switch tt.token {
			case "":
			case "-":
				cc.token = ""
			default:
				cc.token = tt.token
			}
			if tt.token == "Basic" {
				cc.token = ""
			}
			resp := cc.call(tt.method, tt.path, tt.body)
			resp.expect(t, tt.method+" "+tt.path, tt.status, tt.want)
			if resp.StatusCode == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if resp.StatusCode >= 400 && resp.StatusCode < 500 {
				var p struct{ Error string }
				if json.Unmarshal([]byte(resp.Body), &p) != nil || p.Error == "" {
					t.Errorf("error body is not {\"error\": ...}: %s", resp.Body)
				}
			}
		})
	}
	if strings.Contains(d.Logs.String(), token) || strings.Contains(d.Logs.String(), "pft_nope") {
		t.Error("a token reached the log")
	}
	if !strings.Contains(d.Logs.String(), "api request refused: unknown token") {
		t.Error("unknown token not logged")
	}
}
