// Command refserver serves the reference token endpoint on a loopback
// address for bench/reference.sh, with a fixture set written to -dir
// (target.yaml there points at it), so that server and load generator can
// run as separate processes pinned to separate cores.
package main

import (
	"flag"
	"log"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/jwtharness/jwtharness/fixtures/fixtureset"
	"github.com/jwtharness/jwtharness/reference"
	"github.com/jwtharness/jwtharness/reference/registry"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18443", "listen address (loopback)")
	dir := flag.String("dir", "", "directory for the fixture set (required)")
	bits := flag.Int("rsa-bits", 2048, "RSA key size")
	flag.Parse()
	if *dir == "" {
		log.Fatal("refserver: -dir is required")
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		log.Fatal(err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		log.Fatalf("refserver: %s is not a loopback address", *addr)
	}
	tokenURL := "http://" + *addr + reference.TokenPath
	set, err := fixtureset.Write(*dir, fixtureset.Options{TokenEndpoint: tokenURL, RSABits: *bits, Force: true})
	if err != nil {
		log.Fatal(err)
	}
	reg, err := registry.Load(filepath.Join(set.Dir, fixtureset.RegistryFile))
	if err != nil {
		log.Fatal(err)
	}
	h, err := reference.NewHandler(reference.Options{Registry: reg, Audience: tokenURL, Issuer: set.Options.Issuer})
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Printf("refserver: %s (target file %s)", tokenURL, set.TargetPath)
	log.Fatal(srv.ListenAndServe())
}
