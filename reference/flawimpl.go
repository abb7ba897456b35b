package reference

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"hash"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// This file holds the code paths only flaws take: a correct server never
// runs any of it.

const cryptoSHA256 = crypto.SHA256

func hashFor(alg jose.SignatureAlgorithm, input []byte) (crypto.Hash, []byte) {
	var h hash.Hash
	var id crypto.Hash
	switch {
	case strings.HasSuffix(string(alg), "384"):
		h, id = sha512.New384(), crypto.SHA384
	case strings.HasSuffix(string(alg), "512"):
		h, id = sha512.New(), crypto.SHA512
	default:
		h, id = sha256.New(), crypto.SHA256
	}
	h.Write(input)
	return id, h.Sum(nil)
}

func bigFrom(b []byte) *big.Int { return new(big.Int).SetBytes(b) }

func hmacEqual(alg jose.SignatureAlgorithm, key, input, sig []byte) bool {
	var h func() hash.Hash
	switch alg {
	case jose.HS256:
		h = sha256.New
	case jose.HS384:
		h = sha512.New384
	case jose.HS512:
		h = sha512.New
	default:
		return false
	}
	m := hmac.New(h, key)
	m.Write(input)
	return hmac.Equal(m.Sum(nil), sig)
}

// x5cLeaf returns the public key of the first x5c certificate, unverified
// (flaw x5c-trusted).
func x5cLeaf(token string) any {
	m, ok := rawHeader(token)
	if !ok {
		return nil
	}
	chain, _ := m["x5c"].([]any)
	if len(chain) == 0 {
		return nil
	}
	s, _ := chain[0].(string)
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil
	}
	return cert.PublicKey
}

// fetchKeys follows jku (a JWK Set) or x5u (PEM certificates) and trusts
// what it finds (flaw jku-fetched: SSRF and key substitution).
func fetchKeys(ctx context.Context, h jose.Header) []any {
	get := func(u string) []byte {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return b
	}
	var out []any
	if u, ok := h.ExtraHeaders["jku"].(string); ok {
		var set jose.JSONWebKeySet
		if json.Unmarshal(get(u), &set) == nil {
			for _, k := range set.Keys {
				out = append(out, k.Key)
			}
		}
	}
	if u, ok := h.ExtraHeaders["x5u"].(string); ok {
		data := get(u)
		for {
			var b *pem.Block
			b, data = pem.Decode(data)
			if b == nil {
				break
			}
			if c, err := x509.ParseCertificate(b.Bytes); err == nil {
				out = append(out, c.PublicKey)
			}
		}
	}
	return out
}
