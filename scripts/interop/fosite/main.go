// Command fosite-peer runs ory/fosite's token endpoint on loopback with its
// RFC 7523 handlers: the JWT bearer grant (handler/rfc7523) and
// private_key_jwt client authentication with client_credentials. It is the
// second, local-only independent peer of jwtharness's interop lane (see
// ../NOTES.md); it is its own Go module so that fosite's dependencies stay
// out of jwtharness's go.mod.
//
//	go run . --fixtures DIR --ready FILE
//
// DIR holds keys from `jwtharness fixtures`; only the public keys of the
// certificates are registered, as JWKs (kid = the file's base name). Once
// the server accepts connections it writes its base URL to FILE.
package main

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v3"
	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/storage"
)

const grantJWTBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// privateKeyJWTClients are the fixture clients registered for
// private_key_jwt + client_credentials, with their registered algorithm.
var privateKeyJWTClients = map[string]string{
	"client-ec": "ES256", "client-rsa": "RS256", "client-rs384": "RS384", "client-rs512": "RS512",
	"client-ps256": "PS256", "client-es384": "ES384", "client-ed": "EdDSA", "client-eddsa": "EdDSA",
}

// grantIssuers are trusted bearer-grant issuers (not clients): idp-NAME
// with the public key of DIR/idp-NAME.crt (run.sh takes it from a second
// fixture set), for subject alice.
var grantIssuers = []string{"rsa", "ec", "rs384", "rs512", "ps256", "es384", "eddsa", "ed"}

func main() {
	fixtures := flag.String("fixtures", "", "directory of `jwtharness fixtures` output")
	ready := flag.String("ready", "", "file to write the base URL to once listening")
	flag.Parse()
	if *fixtures == "" || *ready == "" {
		log.Fatal("fosite-peer: --fixtures DIR and --ready FILE are required")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("fosite-peer: %v", err)
	}
	base := "http://" + ln.Addr().String()

	store := storage.NewMemoryStore()
	for id, alg := range privateKeyJWTClients {
		store.Clients[id] = client(*fixtures, id, alg, []string{"client_credentials"})
	}
	rotating := client(*fixtures, "client-rotating", "RS256", []string{"client_credentials"})
	rotating.JSONWebKeys.Keys = append(rotating.JSONWebKeys.Keys, publicJWK(*fixtures, "client-rotating-next"))
	store.Clients["client-rotating"] = rotating
	store.Clients["client-restricted"] = client(*fixtures, "client-restricted", "RS256", []string{"authorization_code"})
	for _, name := range grantIssuers {
		k := publicJWK(*fixtures, "idp-"+name)
		trustIssuer(store, "idp-"+name, k)
	}
	trustIssuer(store, "client-rotating", publicJWK(*fixtures, "client-rotating"), publicJWK(*fixtures, "client-rotating-next"))

	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		log.Fatal(err)
	}
	config := &fosite.Config{
		TokenURL:                             base + "/token",
		GlobalSecret:                         secret,
		AccessTokenLifespan:                  10 * time.Minute,
		GrantTypeJWTBearerCanSkipClientAuth:  true, // the grant alone authorizes (RFC 7521 §4.1 allows it)
		GrantTypeJWTBearerIDOptional:         true, // RFC 7523 §3 item 7: jti MAY
		GrantTypeJWTBearerIssuedDateOptional: true, // RFC 7523 §3 item 6: iat MAY
	}
	provider := compose.Compose(config, store, compose.NewOAuth2HMACStrategy(config),
		compose.OAuth2ClientCredentialsGrantFactory,
		compose.RFC7523AssertionGrantFactory,
	)

	mux := http.NewServeMux()
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		ar, err := provider.NewAccessRequest(ctx, r, &fosite.DefaultSession{})
		if err != nil {
			provider.WriteAccessError(ctx, w, ar, err)
			return
		}
		if ar.GetGrantTypes().ExactOne("client_credentials") {
			for _, s := range ar.GetRequestedScopes() {
				ar.GrantScope(s)
			}
		}
		resp, err := provider.NewAccessResponse(ctx, ar)
		if err != nil {
			provider.WriteAccessError(ctx, w, ar, err)
			return
		}
		provider.WriteAccessResponse(ctx, w, ar, resp)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second}
	tmp := *ready + ".tmp"
	if err := os.WriteFile(tmp, []byte(base+"\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.Rename(tmp, *ready); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("fosite listening, token endpoint %s/token\n", base)
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}

func client(dir, id, alg string, grants []string) *fosite.DefaultOpenIDConnectClient {
	return &fosite.DefaultOpenIDConnectClient{
		DefaultClient: &fosite.DefaultClient{
			ID:            id,
			GrantTypes:    grants,
			ResponseTypes: []string{"code"},
			RedirectURIs:  []string{"https://rp.example/cb"},
		},
		JSONWebKeys:                       &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{publicJWK(dir, id)}},
		TokenEndpointAuthMethod:           "private_key_jwt",
		TokenEndpointAuthSigningAlgorithm: alg,
	}
}

// trustIssuer registers keys for issuer and subject alice.
func trustIssuer(store *storage.MemoryStore, issuer string, keys ...jose.JSONWebKey) {
	byKID := map[string]storage.PublicKeyScopes{}
	for i := range keys {
		byKID[keys[i].KeyID] = storage.PublicKeyScopes{Key: &keys[i]}
	}
	store.IssuerPublicKeys[issuer] = storage.IssuerPublicKeys{
		Issuer:    issuer,
		KeysBySub: map[string]storage.SubjectPublicKeys{"alice": {Subject: "alice", Keys: byKID}},
	}
}

// publicJWK reads DIR/NAME.crt and returns its public key as a JWK whose
// kid is NAME.
func publicJWK(dir, name string) jose.JSONWebKey {
	data, err := os.ReadFile(filepath.Join(dir, name+".crt"))
	if err != nil {
		log.Fatalf("fosite-peer: %v", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || !strings.Contains(block.Type, "CERTIFICATE") {
		log.Fatalf("fosite-peer: %s.crt: no PEM certificate", name)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		log.Fatalf("fosite-peer: %s.crt: %v", name, err)
	}
	return jose.JSONWebKey{Key: cert.PublicKey, KeyID: name, Use: "sig"}
}
