// Command goproxy is Go's httputil.ReverseProxy in front of the benchmark
// backend, with a transport that keeps enough idle connections for the
// benchmark's concurrency: the starting point of any Go gateway, measured
// beside gatehouse.
//
//	go run ./bench/harness/goproxy -listen 127.0.0.1:19005 -target http://127.0.0.1:19001
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:19005", "address to listen on")
	target := flag.String("target", "http://127.0.0.1:19001", "the backend")
	flag.Parse()
	u, err := url.Parse(*target)
	if err != nil {
		log.Fatal(err)
	}
	p := httputil.NewSingleHostReverseProxy(u)
	p.Transport = &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, DisableCompression: true}
	// wrk drops its connections when a run ends; those errors are noise.
	p.ErrorLog = log.New(io.Discard, "", 0)
	log.Fatal(http.ListenAndServe(*listen, p))
}
