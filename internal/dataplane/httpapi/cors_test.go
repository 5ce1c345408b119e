package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"gatehouse/internal/model"
)

// TestCORSHeaders holds the headers a compiled configuration gives each
// kind of request, the cases the SDK tests leave out included.
func TestCORSHeaders(t *testing.T) {
	age := 0
	creds := compileCORS(&model.CORS{AllowOrigins: []string{"https://a.example"}, AllowMethods: []string{"*"}, AllowHeaders: []string{"*"},
		AllowCredentials: true, MaxAge: &age})
	both := compileCORS(&model.CORS{AllowOrigins: []string{"*", "https://a.example"}, ExposeHeaders: []string{"x-a", "x-b"}})
	for _, c := range []struct {
		name           string
		cors           *CORS
		method, origin string
		askM, askH     string
		want           map[string]string
	}{
		{"credentials name what a preflight asks for", creds, "OPTIONS", "https://a.example", "PATCH", "x-one,x-two", map[string]string{
			"Access-Control-Allow-Origin": "https://a.example", "Access-Control-Allow-Credentials": "true",
			"Access-Control-Allow-Methods": "PATCH", "Access-Control-Allow-Headers": "x-one,x-two", "Access-Control-Max-Age": "0"}},
		{"a preflight asking no headers", creds, "OPTIONS", "https://a.example", "GET", "", map[string]string{
			"Access-Control-Allow-Origin": "https://a.example", "Access-Control-Allow-Credentials": "true",
			"Access-Control-Allow-Methods": "GET", "Access-Control-Allow-Headers": "*", "Access-Control-Max-Age": "0"}},
		{"a listed origin is echoed beside *", both, "GET", "https://a.example", "", "", map[string]string{
			"Access-Control-Allow-Origin": "https://a.example", "Access-Control-Expose-Headers": "x-a,x-b"}},
		{"any other origin gets *", both, "GET", "https://b.example", "", "", map[string]string{
			"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "x-a,x-b"}},
		{"no origin, no headers", both, "GET", "", "", "", map[string]string{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, "http://x/", nil)
			for k, v := range map[string]string{"Origin": c.origin, "Access-Control-Request-Method": c.askM, "Access-Control-Request-Headers": c.askH} {
				if v != "" {
					r.Header.Set(k, v)
				}
			}
			h := http.Header{}
			c.cors.decorate(h, r, Preflight(r))
			if len(h) != len(c.want) {
				t.Fatalf("got %v, want %v", h, c.want)
			}
			for k, v := range c.want {
				if h.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, h.Get(k), v)
				}
			}
		})
	}
}
