package web_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/auth"
	"pressfeed/index"
	"pressfeed/web"
)

const testToken = "0123456789abcdef0123456789abcdef"

// request is one observation the Observe hook received.
type request struct {
	route  string
	status int
}

// opsSite is a server on a real store with every operations hook set.
type opsSite struct {
	*httptest.Server
	db       *index.DB
	mu       sync.Mutex
	seen     []request
	notReady error
}

func newOpsSite(t *testing.T) *opsSite {
	t.Helper()
	db := openStore(t, index.Options{Now: atT0})
	s := &opsSite{db: db}
	ops := backupOps(db)
	ops.Observe = func(route string, status int, d time.Duration) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.seen = append(s.seen, request{route, status})
	}
	ops.Ready = func(ctx context.Context) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.notReady
	}
	ops.Metrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "metrics here\n") })
	s.Server = httptest.NewServer(web.NewServer(db, web.Options{Logger: quietLogger(), Ops: ops}))
	t.Cleanup(s.Close)
	return s
}

func (s *opsSite) observed() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.seen...)
}

func TestObserveReportsRouteAndStatus(t *testing.T) {
	s := newOpsSite(t)
	get(t, s.URL+"/feed.atom")
	get(t, s.URL+"/feed.atom?limit=nope")
	get(t, s.URL+"/no/such/page")
	get(t, s.URL+"/healthz")
	want := []request{
		{"GET /feed.atom", 200},
		{"GET /feed.atom", 400},
		{"", 404},
		{"GET /healthz", 200},
	}
	got := s.observed()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("observed %v, want %v", got, want)
	}
}

func TestReadyz(t *testing.T) {
	s := newOpsSite(t)
	if resp, body := get(t, s.URL+"/readyz"); resp.StatusCode != 200 || body != "ready\n" {
		t.Errorf("ready: %d %q", resp.StatusCode, body)
	}
	s.mu.Lock()
	s.notReady = errors.New("scheduler is not running")
	s.mu.Unlock()
	resp, body := get(t, s.URL+"/readyz")
	if resp.StatusCode != 503 || !strings.Contains(body, "scheduler is not running") {
		t.Errorf("not ready: %d %q", resp.StatusCode, body)
	}
	// Health is about the process only.
	if resp, _ := get(t, s.URL+"/healthz"); resp.StatusCode != 200 {
		t.Errorf("healthz while not ready: %d", resp.StatusCode)
	}
}

func TestMetricsRoute(t *testing.T) {
	s := newOpsSite(t)
	if resp, body := get(t, s.URL+"/metrics"); resp.StatusCode != 200 || body != "metrics here\n" {
		t.Errorf("metrics: %d %q", resp.StatusCode, body)
	}
	// Without the hook there is no route.
	plain := httptest.NewServer(web.NewServer(s.db, web.Options{}))
	defer plain.Close()
	if resp, _ := get(t, plain.URL+"/metrics"); resp.StatusCode != 404 {
		t.Errorf("metrics without a hook: %d", resp.StatusCode)
	}
}

func backupRequest(t *testing.T, url, auth string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/admin/backup", nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestBackupNeedsTheToken(t *testing.T) {
	s := newOpsSite(t)
	for _, auth := range []string{"", "Bearer wrong", "Basic " + testToken, "Bearer " + testToken + "x", testToken} {
		resp := backupRequest(t, s.URL, auth)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("Authorization %q: %d, want 401 with a challenge", auth, resp.StatusCode)
		}
		if len(body) > 100 {
			t.Errorf("Authorization %q: a %d-byte body, want a short refusal", auth, len(body))
		}
	}
	// A server with no token configured refuses everyone.
	srv := httptest.NewServer(web.NewServer(s.db, web.Options{Ops: web.Ops{
		Backup: func(context.Context) (web.BackupFile, error) {
			return web.BackupFile{}, errors.New("must not be called")
		},
	}}))
	defer srv.Close()
	if resp := backupRequest(t, srv.URL, "Bearer "); resp.StatusCode != 401 {
		t.Errorf("no token configured, empty bearer: %d, want 401", resp.StatusCode)
	}
}

func TestBackupDownloadIsASoundStore(t *testing.T) {
	s := newOpsSite(t)
	ingestBig(t, s.db, "a", 0, 100)
	resp := backupRequest(t, s.URL, "Bearer "+testToken)
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("backup: %s", resp.Status)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "pressfeed-20261120T090000Z.db") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if n := backupItems(t, resp.Body, resp.ContentLength); n != 100 {
		t.Errorf("backup holds %d items, want 100", n)
	}
}

// backupItems saves the size-byte backup download r as a store and
// returns how many items that store holds.
func backupItems(t *testing.T, r io.Reader, size int64) int {
	t.Helper()
	out := filepath.Join(t.TempDir(), "b.db")
	if _, err := index.SaveBackup(context.Background(), r, size, out); err != nil {
		t.Fatal(err)
	}
	b, err := index.Open(out, index.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	n, err := b.ItemCount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// ingestBig stores n items of 10 KB each.
func ingestBig(t *testing.T, db *index.DB, src string, from, n int) {
	t.Helper()
	var items []pressfeed.Item
	for i := from; i < from+n; i++ {
		items = append(items, pressfeed.Item{
			GUID: fmt.Sprintf("%s-%d", src, i), Title: fmt.Sprintf("item %d", i),
			Content: "<p>" + strings.Repeat("words ", 1700) + "</p>", Published: t0.Add(-time.Duration(i) * time.Second),
		})
	}
	if _, err := db.Ingest(context.Background(), src, items, pressfeed.SourceState{}); err != nil {
		t.Fatal(err)
	}
}

// A client that starts a backup download and then stops reading must not
// keep the store's writers waiting: the copy is made before sending, so no
// read transaction stays open for the download. Were it streamed from a
// transaction, the ingest below (which grows the file, and so must remap it)
// would wait for the download, which waits for the ingest.
func TestSlowBackupDownloadDoesNotStallWriters(t *testing.T) {
	s := newOpsSite(t)
	ingestBig(t, s.db, "a", 0, 2000) // ~20 MB, more than socket buffers hold
	fi, _ := os.Stat(s.db.Path())
	resp := backupRequest(t, s.URL, "Bearer "+testToken)
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("backup: %s", resp.Status)
	}
	buf := make([]byte, 4096)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		ingestBig(t, s.db, "b", 0, 2000) // doubles the file
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute): // a deadlock detector, not a timing check
		t.Fatal("a paused backup download kept the writer waiting")
	}
	if fi2, _ := os.Stat(s.db.Path()); fi2.Size() <= fi.Size() {
		t.Errorf("file did not grow (%d → %d), so the test proved nothing", fi.Size(), fi2.Size())
	}
	// The download, resumed, is still the whole consistent copy.
	rest := io.MultiReader(strings.NewReader(string(buf)), resp.Body)
	if n := backupItems(t, rest, resp.ContentLength); n != 2000 {
		t.Errorf("backup holds %d items, want the 2000 there when it was taken", n)
	}
}

// backupOps are operations hooks with only a backup, made from db.
func backupOps(db *index.DB) web.Ops {
	return web.Ops{
		LocalToken: testToken,
		Backup: func(ctx context.Context) (web.BackupFile, error) {
			f, n, err := db.BackupToTemp(ctx, "")
			if err != nil {
				return web.BackupFile{}, err
			}
			return web.BackupFile{Reader: f, Size: n, Taken: t0, Close: f.Close}, nil
		},
	}
}

// A signed-in admin and an API token may download backups too; a revoked
// token and a signed-out browser may not.
func TestBackupForAdminsAndAPITokens(t *testing.T) {
	d := newDesk(t, deskOptions{ops: backupOps})
	ctx := context.Background()

	b := d.browser()
	if resp := b.get("/admin/backup"); resp.StatusCode != 401 {
		t.Errorf("signed out: %d, want 401", resp.StatusCode)
	}
	b.signIn()
	resp := b.get("/admin/backup")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Disposition") == "" {
		t.Fatalf("signed in: %d", resp.StatusCode)
	}
	out := filepath.Join(t.TempDir(), "admin.db")
	if _, err := index.SaveBackup(ctx, strings.NewReader(resp.Body), int64(len(resp.Body)), out); err != nil {
		t.Errorf("the signed-in download is not a sound store: %v", err)
	}
	if !strings.Contains(d.Logs.String(), "by=\"admin "+adminName+"\"") {
		t.Errorf("the log does not say who downloaded:\n%s", d.Logs.String())
	}

	token, hash := auth.NewToken()
	if err := d.DB.CreateToken(ctx, pressfeed.APIToken{Name: "nightly", Hash: hash, CreatedBy: pressfeed.Actor{Name: "test"}}); err != nil {
		t.Fatal(err)
	}
	r := backupRequest(t, d.Srv.URL, "Bearer "+token)
	io.Copy(io.Discard, r.Body)
	r.Body.Close()
	if r.StatusCode != 200 {
		t.Errorf("API token: %d, want 200", r.StatusCode)
	}
	if err := d.DB.RevokeToken(ctx, "nightly", pressfeed.Actor{Name: "test"}); err != nil {
		t.Fatal(err)
	}
	r = backupRequest(t, d.Srv.URL, "Bearer "+token)
	r.Body.Close()
	if r.StatusCode != 401 {
		t.Errorf("revoked API token: %d, want 401", r.StatusCode)
	}
	if strings.Contains(d.Logs.String(), token) {
		t.Error("a token appears in the log")
	}
}
