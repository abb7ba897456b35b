// Command goserver runs the token endpoint of zitadel/oidc's OpenID Provider
// (github.com/zitadel/oidc/v3/pkg/op) on loopback, as an independent Go peer
// for jwtharness's interop lanes (see NOTES.md beside this file). It is its
// own Go module so that zitadel/oidc's dependencies stay out of
// jwtharness's go.mod.
//
//	goserver serve --config FILE --ready FILE [--lifetime 10m] [--wiring provider|legacy-server]
//	goserver jwks --key PEM --kid KID --alg ALG --public OUT [--private OUT]
//	goserver coverage --report report.json [--flow jwt_bearer] [--min 0.8]
//
// serve configures op.NewProvider as its documentation and its example
// server (example/server) do: an in-memory op.Storage that registers the
// trusted issuers of the JWT Profile Authorization Grant (RFC 7523 §2.1) by
// their public JWKs (looked up by kid and iss, as op.JWTProfileKeyStorage
// asks), and client_credentials clients by client secret (what
// op.ClientCredentialsStorage offers). Everything about the assertions
// (signature, aud, exp, iat, iss = sub, error codes) is the library's own
// code; this program only stores keys, clients and tokens. Once the server
// accepts connections it writes its issuer URL to the ready file; it exits
// after --lifetime whatever happens.
//
// jwks converts a PEM private key (e.g. from `jwtharness fixtures`) into a
// public JWKS (to register) and a private JWKS (for a target file's jwk:),
// with go-jose. coverage checks that a conform report really exercised a
// flow (a lane whose runs all SKIP measured nothing).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"time"
)

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serveCmd(os.Args[2:])
	case "jwks":
		err = jwksCmd(os.Args[2:])
	case "coverage":
		err = coverageCmd(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "goserver %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: goserver serve --config FILE --ready FILE [--lifetime 10m] [--wiring provider|legacy-server]\n       goserver jwks --key PEM --kid KID --alg ALG --public OUT [--private OUT]\n       goserver coverage --report report.json [--flow jwt_bearer] [--min 0.8]")
	os.Exit(2)
}

func serveCmd(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	config := fs.String("config", "", "server configuration (JSON, see config.go)")
	ready := fs.String("ready", "", "file to write the issuer URL to once listening")
	lifetime := fs.Duration("lifetime", 10*time.Minute, "exit after this long")
	wiring := fs.String("wiring", WiringProvider, "how the provider is served: provider (op.Provider as the handler, the library's default) or legacy-server (op.RegisterLegacyServer)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *wiring != WiringProvider && *wiring != WiringLegacy {
		return fmt.Errorf("--wiring %q: want %s or %s", *wiring, WiringProvider, WiringLegacy)
	}
	if *config == "" || *ready == "" {
		return errors.New("--config FILE and --ready FILE are required")
	}
	if *lifetime <= 0 || *lifetime > time.Hour {
		return fmt.Errorf("--lifetime %s: want a duration in (0, 1h]", *lifetime)
	}
	cfg, err := loadConfig(*config)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *lifetime)
	defer cancel()
	return serve(ctx, cfg, *ready, *wiring)
}
