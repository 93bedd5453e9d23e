package web

// routes registers every endpoint: the public feeds, pages and probes, then
// the admin pages (requireAdmin: session and CSRF) and the API
// (requireToken). README.md lists the same, in the same order.
func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /feed.atom", s.handleFeed(formatAtom))
	m.HandleFunc("GET /feed.rss", s.handleFeed(formatRSS))
	m.HandleFunc("GET /feed.json", s.handleFeed(formatJSON))
	m.HandleFunc("GET /sources.json", s.handleSourcesJSON)
	m.HandleFunc("GET /sources.opml", s.handleSourcesOPML)
	m.HandleFunc("GET /healthz", s.handleHealthz)
	m.HandleFunc("GET /readyz", s.handleReadyz)
	if s.opts.Ops.Metrics != nil {
		m.Handle("GET /metrics", s.opts.Ops.Metrics)
	}
	if s.opts.Ops.Backup != nil {
		m.HandleFunc("GET /admin/backup", s.handleBackup) // its own token check, for scripts
	}
	m.HandleFunc("GET /{$}", s.handleIndex)

	m.HandleFunc("GET /static/style.css", s.handleCSS)
	m.HandleFunc("GET /sources", s.handleSourcesPage)
	m.HandleFunc("GET /alerts/unsubscribe", s.handleUnsubscribeForm)
	m.HandleFunc("POST /alerts/unsubscribe", s.handleUnsubscribe) // the signed link is the authority (RFC 8058)

	m.HandleFunc("GET /admin", s.requireAdmin(s.handleAdminHome))
	m.HandleFunc("GET /admin/signin", s.handleSigninForm)
	m.HandleFunc("POST /admin/signin", s.handleSignin)
	m.HandleFunc("POST /admin/signout", s.requireAdmin(s.handleSignout))
	m.HandleFunc("GET /admin/sources/new", s.requireAdmin(s.handleNewSourceForm))
	m.HandleFunc("POST /admin/sources/new", s.requireAdmin(s.handleSourceForm))
	m.HandleFunc("GET /admin/sources/{id}/edit", s.requireAdmin(s.handleEditSourceForm))
	m.HandleFunc("POST /admin/sources/{id}/edit", s.requireAdmin(s.handleSourceForm))
	m.HandleFunc("POST /admin/sources/{id}/enable", s.requireAdmin(s.handleSetEnabled(true)))
	m.HandleFunc("POST /admin/sources/{id}/disable", s.requireAdmin(s.handleSetEnabled(false)))
	m.HandleFunc("POST /admin/sources/{id}/poll", s.requireAdmin(s.handlePollNow))
	m.HandleFunc("GET /admin/sources/{id}/delete", s.requireAdmin(s.handleDeleteConfirm))
	m.HandleFunc("POST /admin/sources/{id}/delete", s.requireAdmin(s.handleDelete))
	m.HandleFunc("GET /admin/import", s.requireAdmin(s.handleImportForm))
	m.HandleFunc("POST /admin/import", s.requireAdmin(s.handleImport))
	m.HandleFunc("GET /admin/export.toml", s.requireAdmin(s.handleExport("toml")))
	m.HandleFunc("GET /admin/export.opml", s.requireAdmin(s.handleExport("opml")))
	m.HandleFunc("GET /admin/audit", s.requireAdmin(s.handleAudit))
	m.HandleFunc("GET /admin/tokens", s.requireAdmin(s.handleTokens))
	m.HandleFunc("POST /admin/tokens", s.requireAdmin(s.handleCreateToken))
	m.HandleFunc("POST /admin/tokens/{name}/revoke", s.requireAdmin(s.handleRevokeToken))
	m.HandleFunc("GET /admin/alerts", s.requireAdmin(s.handleAlerts))
	m.HandleFunc("POST /admin/alerts", s.requireAdmin(s.handleAddAlert))
	m.HandleFunc("GET /admin/alerts/preview", s.requireAdmin(s.handleAlertPreview))
	m.HandleFunc("POST /admin/alerts/{name}/test", s.requireAdmin(s.handleTestAlert))
	m.HandleFunc("POST /admin/alerts/{name}/delete", s.requireAdmin(s.handleDeleteAlert))

	m.HandleFunc("GET /api/v1/sources", s.requireToken(s.apiList))
	m.HandleFunc("POST /api/v1/sources", s.requireToken(s.apiCreate))
	m.HandleFunc("POST /api/v1/sources/preview", s.requireToken(s.apiPreview))
	m.HandleFunc("GET /api/v1/sources/{id}", s.requireToken(s.apiGet))
	m.HandleFunc("PUT /api/v1/sources/{id}", s.requireToken(s.apiUpdate))
	m.HandleFunc("PATCH /api/v1/sources/{id}", s.requireToken(s.apiUpdate))
	m.HandleFunc("DELETE /api/v1/sources/{id}", s.requireToken(s.apiDelete))
	m.HandleFunc("POST /api/v1/sources/{id}/poll", s.requireToken(s.apiPoll))
	m.HandleFunc("GET /api/v1/audit", s.requireToken(s.apiAudit))
	m.HandleFunc("GET /api/v1/subscriptions", s.requireToken(s.apiSubscriptions))
	m.HandleFunc("POST /api/v1/subscriptions", s.requireToken(s.apiAddSubscription))
	m.HandleFunc("GET /api/v1/subscriptions/{name}", s.requireToken(s.apiSubscription))
	m.HandleFunc("DELETE /api/v1/subscriptions/{name}", s.requireToken(s.apiDeleteSubscription))
	m.HandleFunc("POST /api/v1/subscriptions/{name}/test", s.requireToken(s.apiTestSubscription))
}
