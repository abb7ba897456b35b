// Command trivial is the loopback endpoint bench/peers.sh measures load
// generators against: every request is answered 200 with a small JSON body.
package main

import (
	"flag"
	"log"
	"net"
	"net/http"
	"strconv"
)

var body = []byte(`{"ok":true,"token_type":"Bearer","expires_in":3600}`)

func main() {
	addr := flag.String("addr", "127.0.0.1:18080", "listen address (loopback)")
	flag.Parse()
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		log.Fatal(err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		log.Fatalf("trivial: %s is not a loopback address", *addr)
	}
	clen := strconv.Itoa(len(body))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd["Content-Type"] = []string{"application/json"}
		hd["Content-Length"] = []string{clen}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	})
	log.Fatal(http.ListenAndServe(*addr, h))
}
