package alert

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"pressfeed"
)

// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the body,
// keyed with the subscription's secret.
const SignatureHeader = "X-Pressfeed-Signature"

// Sign returns the SignatureHeader value of body under secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// hookBody is a JSON Feed (version 1.1) of the delivery's stories, with
// the subscription named.
type hookBody struct {
	Version      string     `json:"version"`
	Title        string     `json:"title"`
	HomePageURL  string     `json:"home_page_url,omitempty"`
	Subscription string     `json:"_pressfeed_subscription"`
	Delivery     uint64     `json:"_pressfeed_delivery"`
	Items        []hookItem `json:"items"`
}

type hookItem struct {
	ID            string       `json:"id"`
	URL           string       `json:"url,omitempty"`
	Title         string       `json:"title"`
	ContentText   string       `json:"content_text"`
	DatePublished string       `json:"date_published,omitempty"`
	Authors       []hookAuthor `json:"authors,omitempty"`
}

type hookAuthor struct {
	Name string `json:"name"`
}

func (r *Runner) webhook(ctx context.Context, sub pressfeed.Subscription, d pressfeed.Delivery) error {
	names := r.sourceNames(ctx)
	body := hookBody{Version: "https://jsonfeed.org/version/1.1", Title: "pressfeed alert: " + sub.Name,
		HomePageURL: r.opts.BaseURL, Subscription: sub.Name, Delivery: d.ID, Items: []hookItem{}}
	for _, st := range d.Stories {
		p := st.Primary()
		it := hookItem{ID: st.ID, URL: p.Link, Title: p.Title, ContentText: pressfeed.PlainText(p.Summary)}
		if !p.Published.IsZero() {
			it.DatePublished = p.Published.UTC().Format(time.RFC3339)
		}
		for _, id := range st.SourceIDs() {
			it.Authors = append(it.Authors, hookAuthor{Name: names.of(id)})
		}
		body.Items = append(body.Items, it)
	}
	data, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("webhook body: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.To, bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("webhook %s: %w", sub.To, err)
	}
	req.Header.Set("Content-Type", "application/feed+json")
	req.Header.Set(SignatureHeader, Sign(sub.Secret, data))
	req.Header.Set("X-Pressfeed-Delivery", strconv.FormatUint(d.ID, 10))
	resp, err := r.opts.Client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", sub.To, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook %s answered %s", sub.To, resp.Status)
	}
	return nil
}

// sourceNames maps source ids to names; an id it cannot name stands for
// itself.
func (r *Runner) sourceNames(ctx context.Context) nameMap {
	list, err := r.store.Sources(ctx)
	if err != nil {
		r.opts.Logger.Warn("alert: source names unavailable", "error", err)
	}
	return namesOf(list)
}

func namesOf(list []pressfeed.Source) nameMap {
	out := make(nameMap, len(list))
	for _, s := range list {
		out[s.ID] = s.Name
	}
	return out
}

// nameMap is source id → name.
type nameMap map[string]string

func (m nameMap) of(id string) string {
	if n := m[id]; n != "" {
		return n
	}
	return id
}
