// Command backend is the benchmark's origin server: every request gets 200
// and the same small JSON body, over keep-alive connections, so that what
// a benchmark measures is the proxy in front of it.
//
//	go run ./bench/harness/backend -listen 127.0.0.1:19001 -size 100
package main

import (
	"flag"
	"log"
	"net/http"
	"strings"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:19001", "address to listen on")
	size := flag.Int("size", 100, "bytes of the answer's body")
	flag.Parse()
	const frame = `{"pad":""}`
	body := []byte(`{"pad":"` + strings.Repeat("x", max(0, *size-len(frame))) + `"}`)
	log.Fatal(http.ListenAndServe(*listen, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})))
}
