package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// maxConfigBytes bounds every file the server reads (config, JWKS, secret).
const maxConfigBytes = 1 << 20

// Config is what the server registers. Paths are relative to the config
// file.
//
//	{
//	  "grant_issuers": [{"issuer": "idp-rsa", "jwks": "idp-rsa.pub.jwks"}],
//	  "secret_clients": [{"client_id": "cc-secret", "secret_file": "cc-secret.secret"}]
//	}
type Config struct {
	// GrantIssuers are the trusted issuers of the JWT bearer grant. For
	// zitadel/oidc an issuer is a "service user": its assertion's sub must
	// equal its iss (op.SubjectIsIssuer, the default subject check).
	GrantIssuers []GrantIssuer `json:"grant_issuers"`
	// SecretClients are client_credentials clients with a client secret
	// (client_secret_basic or client_secret_post): the only client
	// authentication op.ClientCredentialsStorage takes.
	SecretClients []SecretClient `json:"secret_clients"`
}

// GrantIssuer is a trusted grant issuer and the file of its public JWKS.
type GrantIssuer struct {
	Issuer string `json:"issuer"`
	JWKS   string `json:"jwks"`
	keys   map[string]*jose.JSONWebKey
}

// SecretClient is a client_credentials client and the file of its secret.
type SecretClient struct {
	ClientID   string `json:"client_id"`
	SecretFile string `json:"secret_file"`
	secret     string
}

func loadConfig(path string) (*Config, error) {
	raw, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	cfg := new(Config)
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	seen := map[string]bool{}
	for i := range cfg.GrantIssuers {
		gi := &cfg.GrantIssuers[i]
		if gi.Issuer == "" || gi.JWKS == "" {
			return nil, fmt.Errorf("config %s: grant_issuers[%d]: issuer and jwks are required", path, i)
		}
		if seen[gi.Issuer] {
			return nil, fmt.Errorf("config %s: grant issuer %q listed twice", path, gi.Issuer)
		}
		seen[gi.Issuer] = true
		keys, err := loadPublicJWKS(filepath.Join(dir, gi.JWKS))
		if err != nil {
			return nil, fmt.Errorf("config %s: grant issuer %q: %w", path, gi.Issuer, err)
		}
		gi.keys = keys
	}
	for i := range cfg.SecretClients {
		sc := &cfg.SecretClients[i]
		if sc.ClientID == "" || sc.SecretFile == "" {
			return nil, fmt.Errorf("config %s: secret_clients[%d]: client_id and secret_file are required", path, i)
		}
		raw, err := readBounded(filepath.Join(dir, sc.SecretFile))
		if err != nil {
			return nil, fmt.Errorf("config %s: client %q: %w", path, sc.ClientID, err)
		}
		sc.secret = strings.TrimRight(string(raw), "\r\n")
		if sc.secret == "" {
			return nil, fmt.Errorf("config %s: client %q: empty secret", path, sc.ClientID)
		}
	}
	return cfg, nil
}

// loadPublicJWKS reads a JWKS of public keys, each with a kid.
func loadPublicJWKS(path string) (map[string]*jose.JSONWebKey, error) {
	raw, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(set.Keys) == 0 {
		return nil, fmt.Errorf("%s: no keys", path)
	}
	keys := map[string]*jose.JSONWebKey{}
	for i := range set.Keys {
		k := set.Keys[i]
		if k.KeyID == "" {
			return nil, fmt.Errorf("%s: key %d has no kid", path, i)
		}
		if !k.IsPublic() {
			return nil, fmt.Errorf("%s: key %q is not a public key", path, k.KeyID)
		}
		keys[k.KeyID] = &k
	}
	return keys, nil
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	raw, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(raw) > maxConfigBytes {
		return nil, errors.New(path + ": larger than 1 MiB")
	}
	return raw, nil
}
