package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"
)

// Wirings of the provider: the library's example server serves either the
// op.Provider itself (its default) or the same provider through the newer
// op.Server interface (op.RegisterLegacyServer, the example's wrapServer).
// The two answer some errors differently (see NOTES.md).
const (
	WiringProvider = "provider"
	WiringLegacy   = "legacy-server"
)

// serve runs the OpenID Provider on 127.0.0.1 (a free port) until ctx ends,
// after writing its issuer URL to ready.
func serve(ctx context.Context, cfg *Config, ready, wiring string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen on loopback: %w", err)
	}
	issuer := "http://" + ln.Addr().String()

	st, err := newStorage(cfg)
	if err != nil {
		return err
	}
	var cryptoKey [32]byte // encrypts the opaque access tokens
	if _, err := rand.Read(cryptoKey[:]); err != nil {
		return err
	}
	config := &op.Config{
		CryptoKey:   cryptoKey,
		CryptoKeyId: "lane",
		// client_secret_post beside Basic for the secret clients.
		AuthMethodPost: true,
		// private_key_jwt for the grants that take it (authorization_code,
		// refresh_token, token exchange); client_credentials takes a
		// client secret only (op.ClientCredentialsStorage).
		AuthMethodPrivateKeyJWT: true,
	}
	provider, err := op.NewProvider(config, st, op.StaticIssuer(issuer),
		op.WithAllowInsecure(), // the issuer is http://127.0.0.1:PORT
	)
	if err != nil {
		return fmt.Errorf("op.NewProvider: %w", err)
	}

	var handler http.Handler
	switch wiring {
	case WiringProvider, "":
		handler = provider
	case WiringLegacy:
		handler = op.RegisterLegacyServer(op.NewLegacyServer(provider, provider.Endpoints()), op.AuthorizeCallbackHandler(provider))
	default:
		return fmt.Errorf("wiring %q: want %s or %s", wiring, WiringProvider, WiringLegacy)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	tmp := ready + ".tmp"
	if err := os.WriteFile(tmp, []byte(issuer+"\n"), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, ready); err != nil {
		return err
	}
	log.Printf("zitadel/oidc OP (%s wiring) listening: issuer %s, token endpoint %s", wiring, issuer, provider.TokenEndpoint().Absolute(issuer))

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			log.Printf("lifetime over, shutting down")
		}
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
		return nil
	}
}
