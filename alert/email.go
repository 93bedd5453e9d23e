package alert

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"net/url"
	"sort"
	"strings"
	texttemplate "text/template"
	"time"

	"pressfeed"
)

// message is what both parts of an email show.
type message struct {
	Name     string // the subscription's
	Subject  string
	Intro    string
	Problems []string // failing or stale sources, named
	Groups   []group
	DeskURL  string
	// UnsubscribeURL ends the subscription in one click (also the
	// List-Unsubscribe header); needs BaseURL, as DeskURL does.
	UnsubscribeURL string
}

// group is one organisation's stories.
type group struct {
	Source  string
	Stories []storyLine
}

type storyLine struct {
	Title, Link, Summary, When string
	Also                       []string // the other organisations that published it
}

func (r *Runner) compose(ctx context.Context, sub pressfeed.Subscription, d pressfeed.Delivery) message {
	sources, err := r.store.Sources(ctx)
	if err != nil {
		r.opts.Logger.Warn("alert: source names unavailable", "error", err)
	}
	names := namesOf(sources)
	london := pressfeed.London()
	m := message{Name: sub.Name, Subject: fmt.Sprintf("%s: %d new", sub.Name, len(d.Stories))}
	if d.Digest {
		m.Subject = fmt.Sprintf("%s: digest for %s, %d stories", sub.Name, d.Created.In(london).Format("Mon 2 Jan"), len(d.Stories))
		if err != nil {
			m.Problems = []string{"the source list could not be read: " + err.Error()}
		} else {
			m.Problems = r.problems(ctx, sources, names)
		}
	}
	m.Intro = fmt.Sprintf("Stories matching %q.", sub.Filter)
	if sub.Filter == "" {
		m.Intro = "Every story across the region."
	}
	if r.opts.BaseURL != "" {
		m.DeskURL = r.opts.BaseURL + "/?" + sub.Filter
		m.UnsubscribeURL = sub.UnsubscribeURL(r.opts.BaseURL)
	}
	bySource := map[string]*group{}
	for _, st := range d.Stories {
		p := st.Primary()
		line := storyLine{Title: p.Title, Link: p.Link, Summary: pressfeed.PlainText(p.Summary)}
		if !p.Published.IsZero() {
			line.When = p.Published.In(london).Format("Mon 2 Jan 15:04")
		}
		for _, id := range st.SourceIDs()[1:] {
			line.Also = append(line.Also, names.of(id))
		}
		g := bySource[p.SourceID]
		if g == nil {
			g = &group{Source: names.of(p.SourceID)}
			bySource[p.SourceID] = g
		}
		g.Stories = append(g.Stories, line)
	}
	for _, g := range bySource {
		m.Groups = append(m.Groups, *g)
	}
	sort.Slice(m.Groups, func(i, j int) bool { return m.Groups[i].Source < m.Groups[j].Source })
	return m
}

// problems names the sources that are not well, judged as /sources judges
// them (pressfeed.Judge): failing, blocked or backing off, or stale.
func (r *Runner) problems(ctx context.Context, sources []pressfeed.Source, names nameMap) []string {
	states, err := r.store.States(ctx)
	if err != nil {
		return []string{"the sources' states could not be read: " + err.Error()}
	}
	var out []string
	now := r.opts.Now()
	for _, src := range sources {
		st := states[src.ID]
		switch pressfeed.Judge(src, st, now, r.opts.StaleAfter) {
		case pressfeed.ConditionFailing, pressfeed.ConditionBackoff:
			if st.ConsecutiveFailures > 0 {
				out = append(out, fmt.Sprintf("%s is failing (%d polls): %s", names.of(src.ID), st.ConsecutiveFailures, st.LastError))
			}
		case pressfeed.ConditionBlocked:
			out = append(out, fmt.Sprintf("%s is refusing our polls (%d polls): %s", names.of(src.ID), st.ConsecutiveFailures, st.LastError))
		case pressfeed.ConditionStale:
			if st.LastNewItem.IsZero() {
				out = append(out, fmt.Sprintf("%s has published nothing yet", names.of(src.ID)))
			} else {
				out = append(out, fmt.Sprintf("%s has published nothing new since %s", names.of(src.ID), st.LastNewItem.In(pressfeed.London()).Format("2 Jan")))
			}
		}
	}
	return out
}

var textPart = texttemplate.Must(texttemplate.New("text").Funcs(texttemplate.FuncMap{"join": join}).Parse(`{{.Intro}}
{{if .Problems}}
Sources to look at:
{{range .Problems}}  * {{.}}
{{end}}{{end}}{{range .Groups}}
== {{.Source}} ==
{{range .Stories}}
{{.Title}}{{if .When}} ({{.When}}){{end}}
{{.Link}}{{if .Also}}
also published by {{join .Also}}{{end}}{{if .Summary}}
{{.Summary}}{{end}}
{{end}}{{else}}
Nothing new matched.
{{end}}{{if .DeskURL}}
The same view on the desk: {{.DeskURL}}
{{end}}{{if .UnsubscribeURL}}
To stop these messages: {{.UnsubscribeURL}}
{{end}}`))

var htmlPart = htmltemplate.Must(htmltemplate.New("html").Funcs(htmltemplate.FuncMap{"join": join}).Parse(`<!DOCTYPE html>
<html><body>
<p>{{.Intro}}</p>
{{if .Problems}}<p><strong>Sources to look at:</strong></p><ul>{{range .Problems}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{range .Groups}}<h2>{{.Source}}</h2>
{{range .Stories}}<p><a href="{{.Link}}">{{.Title}}</a>{{if .When}} <small>{{.When}}</small>{{end}}{{if .Also}}<br><em>also published by {{join .Also}}</em>{{end}}{{if .Summary}}<br>{{.Summary}}{{end}}</p>
{{end}}{{else}}<p>Nothing new matched.</p>{{end}}
{{if .DeskURL}}<p><a href="{{.DeskURL}}">The same view on the desk</a></p>{{end}}
{{if .UnsubscribeURL}}<p><small><a href="{{.UnsubscribeURL}}">Unsubscribe</a> from {{.Name}}</small></p>{{end}}
</body></html>
`))

func join(list []string) string { return strings.Join(list, ", ") }

// email formats d as a multipart/alternative message: plain text, then
// HTML (every value escaped by html/template).
func (r *Runner) email(ctx context.Context, sub pressfeed.Subscription, d pressfeed.Delivery) ([]byte, error) {
	m := r.compose(ctx, sub, d)
	var text, html bytes.Buffer
	if err := textPart.Execute(&text, m); err != nil {
		return nil, fmt.Errorf("email text: %w", err)
	}
	if err := htmlPart.Execute(&html, m); err != nil {
		return nil, fmt.Errorf("email html: %w", err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, part := range []struct {
		ctype string
		data  []byte
	}{{"text/plain; charset=utf-8", text.Bytes()}, {"text/html; charset=utf-8", html.Bytes()}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {part.ctype}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(w)
		qp.Write(part.data)
		qp.Close()
	}
	mw.Close()
	var msg bytes.Buffer
	id := make([]byte, 12)
	rand.Read(id)
	host := "pressfeed.invalid"
	if u, err := url.Parse(r.opts.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	fmt.Fprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@%s>\r\nMIME-Version: 1.0\r\n",
		r.opts.From, sub.Email(), encodeHeader(m.Subject), d.Created.Format(time.RFC1123Z), hex.EncodeToString(id), host)
	if m.UnsubscribeURL != "" {
		// RFC 2369 and RFC 8058: mail clients offer a one-click
		// unsubscribe, POSTing List-Unsubscribe=One-Click to the URL.
		fmt.Fprintf(&msg, "List-Unsubscribe: <%s>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", m.UnsubscribeURL)
	}
	fmt.Fprintf(&msg, "Content-Type: multipart/alternative; boundary=%q\r\n\r\n", mw.Boundary())
	msg.Write(body.Bytes())
	return msg.Bytes(), nil
}

// encodeHeader encodes a header value as RFC 2047 when it is not plain
// ASCII (the Q encoding leaves ASCII as it is).
func encodeHeader(s string) string { return mime.QEncoding.Encode("utf-8", s) }
