package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"

	jose "github.com/go-jose/go-jose/v4"
)

// jwksCmd writes the public JWKS (and optionally the private JWKS) of a PEM
// private key, with the given kid and alg.
func jwksCmd(args []string) error {
	fs := flag.NewFlagSet("jwks", flag.ContinueOnError)
	keyPath := fs.String("key", "", "PEM private key (PKCS#8, PKCS#1 or SEC 1)")
	kid := fs.String("kid", "", "kid of the JWK")
	alg := fs.String("alg", "", "alg of the JWK (e.g. RS256)")
	public := fs.String("public", "", "write the public JWKS here")
	private := fs.String("private", "", "write the private JWKS here (0600)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *keyPath == "" || *kid == "" || *alg == "" || *public == "" {
		return errors.New("--key, --kid, --alg and --public are required")
	}
	raw, err := readBounded(*keyPath)
	if err != nil {
		return err
	}
	key, err := parsePrivateKey(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", *keyPath, err)
	}
	priv := jose.JSONWebKey{Key: key, KeyID: *kid, Algorithm: *alg, Use: "sig"}
	if !priv.Valid() {
		return fmt.Errorf("%s: not a valid key for a JWK", *keyPath)
	}
	if err := writeJWKS(*public, priv.Public(), 0o644); err != nil {
		return err
	}
	if *private != "" {
		return writeJWKS(*private, priv, 0o600)
	}
	return nil
}

func parsePrivateKey(raw []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		switch k := k.(type) {
		case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
			return k.(crypto.Signer), nil
		default:
			return nil, fmt.Errorf("unsupported PKCS#8 key type %T", k)
		}
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	return nil, fmt.Errorf("PEM block %q is not a PKCS#8, PKCS#1 or SEC 1 private key", block.Type)
}

func writeJWKS(path string, k jose.JSONWebKey, mode os.FileMode) error {
	out, err := json.MarshalIndent(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k}}, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(out, '\n'), mode); err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
