package httpapi

import (
	"net/http"

	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"
)

// docsPath is the Swagger UI page of chii's own /openapi.json; its assets are embedded in
// the binary (swaggest/swgui v5emb), no CDN.
const docsPath = "/openapi/"

// indexPage is the answer of GET / (http-v0-more.md §9): a static page linking the docs.
const indexPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>chii server</title></head>
<body>
<h1>chii server</h1>
<ul>
<li><a href="/openapi/">API documentation</a> (Swagger UI)</li>
<li><a href="/openapi.json">/openapi.json</a> (OpenAPI document)</li>
</ul>
</body>
</html>
`

// serveIndex: GET / — a small HTML page linking the docs and the OpenAPI document.
func serveIndex(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(indexPage))
}

// newDocsHandler serves the Swagger UI of /openapi.json under docsPath, assets from the binary.
func newDocsHandler() http.Handler {
	return v5emb.NewWithConfig(swgui.Config{ShowTopBar: false})("chii API", "/openapi.json", docsPath)
}

// redirectToDocs: GET /openapi answers 302 to /openapi/, as bangumi does.
func redirectToDocs(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, docsPath, http.StatusFound)
}

// mountPages routes the pages outside /v0 (§9) on root: GET / and the docs. They pass the
// global middleware only; every other path keeps the catch-all 404 (D8).
func mountPages(root interface {
	Get(pattern string, h http.HandlerFunc)
	Handle(pattern string, h http.Handler)
}) {
	docs := newDocsHandler()
	root.Get("/", serveIndex)
	root.Get("/openapi", redirectToDocs)
	root.Handle(docsPath+"*", onlyGET(docs))
}

// onlyGET passes GET and HEAD to h; other methods get the catch-all 404.
func onlyGET(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			notFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}
