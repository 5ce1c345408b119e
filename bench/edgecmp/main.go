// Command edgecmp measures what the invoke listener could be built on: three
// bare reverse proxies with no gateway logic, each forwarding every request
// to one backend, so that their figures beside gatehouse's show what the
// HTTP machinery itself costs and what gatehouse adds on top.
//
//	std   net/http server, net/http Transport (what httputil.ReverseProxy uses)
//	h1    net/http server, gatehouse's dial.H1Transport (what gatehouse uses)
//	lean  own connection loop on http.ReadRequest, dial.H1Transport (lean.go)
//	fast  github.com/valyala/fasthttp server and HostClient
//	adapt fasthttp server, net/http handler (fasthttpadaptor), H1Transport
//
// It is its own module so that fasthttp never enters gatehouse's; run it
// through bench/edgecmp.sh.
package main

import (
	"flag"
	"io"
	"log"
	"net"
	"net/http"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"gatehouse/internal/dial"
)

func main() {
	mode := flag.String("mode", "h1", "std, h1 or fast")
	listen := flag.String("listen", "127.0.0.1:19011", "address to serve on")
	target := flag.String("target", "127.0.0.1:19001", "backend host:port")
	flag.Parse()
	switch *mode {
	case "std":
		log.Fatal(http.ListenAndServe(*listen, proxy(dial.NewTransport(), *target)))
	case "h1":
		log.Fatal(http.ListenAndServe(*listen, proxy(dial.New().H1Transport(), *target)))
	case "lean":
		ln, err := net.Listen("tcp", *listen)
		if err != nil {
			log.Fatal(err)
		}
		log.Fatal(leanServe(ln, proxy(dial.New().H1Transport(), *target)))
	case "adapt":
		log.Fatal(fasthttp.ListenAndServe(*listen, fasthttpadaptor.NewFastHTTPHandler(proxy(dial.New().H1Transport(), *target))))
	case "fast":
		c := &fasthttp.HostClient{Addr: *target, MaxConns: 1024}
		log.Fatal(fasthttp.ListenAndServe(*listen, func(ctx *fasthttp.RequestCtx) {
			ctx.Request.Header.Del("Connection")
			if err := c.Do(&ctx.Request, &ctx.Response); err != nil {
				ctx.Error("Bad Gateway", fasthttp.StatusBadGateway)
			}
			ctx.Response.Header.Del("Connection")
		}))
	default:
		log.Fatalf("unknown mode %q", *mode)
	}
}

// proxy forwards each request to target with the same per-request work a
// minimal gateway does: a new outgoing request sharing the incoming headers,
// the response headers copied back, the body streamed.
func proxy(rt http.RoundTripper, target string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := r.WithContext(r.Context())
		u := *r.URL
		u.Scheme, u.Host = "http", target
		out.URL, out.RequestURI = &u, ""
		resp, err := rt.RoundTrip(out)
		if err != nil {
			http.Error(w, "Bad Gateway", http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		h := w.Header()
		for k, vs := range resp.Header {
			h[k] = vs
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	})
}
