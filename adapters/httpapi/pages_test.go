package httpapi

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestIndexPage(t *testing.T) {
	api := newTestAPI(t)
	w := api.do(t, request{method: http.MethodGet, path: "/"})
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %q, want 200 text/html", w.Code, w.Header().Get("Content-Type"))
	}
	for _, link := range []string{`href="/openapi/"`, `href="/openapi.json"`} {
		if !strings.Contains(w.Body.String(), link) {
			t.Errorf("GET / body lacks %s:\n%s", link, w.Body)
		}
	}
}

func TestDocsPage(t *testing.T) {
	api := newTestAPI(t)
	if w := api.do(t, request{method: http.MethodGet, path: "/openapi"}); w.Code != http.StatusFound || w.Header().Get("Location") != "/openapi/" {
		t.Errorf("GET /openapi = %d Location %q, want 302 /openapi/", w.Code, w.Header().Get("Location"))
	}
	w := api.do(t, request{method: http.MethodGet, path: "/openapi/"})
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /openapi/ = %d %q, want 200 text/html", w.Code, w.Header().Get("Content-Type"))
	}
	html := w.Body.String()
	if !strings.Contains(html, "/openapi.json") {
		t.Errorf("the docs page does not load /openapi.json:\n%s", html)
	}
	assets := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(html, -1)
	if len(assets) == 0 {
		t.Fatalf("the docs page loads no assets:\n%s", html)
	}
	for _, m := range assets {
		src := m[1]
		if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") || strings.HasPrefix(src, "//") {
			t.Errorf("asset %q is loaded from outside the binary", src)
			continue
		}
		if !strings.HasPrefix(src, "/") {
			src = "/openapi/" + src
		}
		if a := api.do(t, request{method: http.MethodGet, path: src}); a.Code != http.StatusOK || a.Body.Len() == 0 {
			t.Errorf("GET %s = %d (%d bytes), want 200 from the binary", src, a.Code, a.Body.Len())
		}
	}
	if w := api.do(t, request{method: http.MethodPost, path: "/openapi/"}); w.Code != http.StatusNotFound {
		t.Errorf("POST /openapi/ = %d, want the catch-all 404", w.Code)
	}
}
