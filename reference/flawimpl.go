package reference

import (
	"bytes"
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
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// This file holds the code paths only flaws take: a correct server never
// runs any of it.

const cryptoSHA256 = crypto.SHA256

// jtiShortTTL is the fixed replay-cache TTL of flaw jti-window-short (a
// cache's default expiry instead of the assertion's exp + leeway).
const jtiShortTTL = 30 * time.Second

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

// subsetAlgs is the allow-list of a server that implements only the
// RECOMMENDED algorithms and HS256 (flaw alg-subset).
var subsetAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.HS256}

// firstThreeSegments is an unanchored match of three dot-separated
// base64url segments (flaw parse-first-three, a `^[\w-]+\.[\w-]+\.[\w-]+`
// without "$"): whatever follows the third segment is dropped.
func firstThreeSegments(t string) string {
	dots := 0
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c == '.' {
			dots++
			if dots == 3 {
				return t[:i]
			}
			continue
		}
		if b64url[c] == 0 {
			if dots == 2 {
				return t[:i]
			}
			return t
		}
	}
	return t
}

// parseByHand is the hand-rolled header parser of flaws alg-defaulted (a
// header without alg takes the client's registered algorithm) and
// duplicate-header-first-wins (the first of duplicate header members wins).
// It runs only after go-jose refused the token; the signature is then
// checked by manualVerify over the token as sent.
func (v *Verifier) parseByHand(s *vstate) bool {
	parts := strings.Split(s.token, ".")
	if len(parts) != 3 {
		return false
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return false
	}
	members, dup, ok := headerMembersFirstWins(hb)
	if !ok {
		return false
	}
	var alg string
	raw, hasAlg := members["alg"]
	switch {
	case !hasAlg && v.has(FlawAlgDefaulted):
		s.algDef = true
	case hasAlg && dup && v.has(FlawDupHeaderFirstWins):
		if json.Unmarshal(raw, &alg) != nil || !slices.Contains(v.algs, jose.SignatureAlgorithm(alg)) {
			return false
		}
	default:
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return false
	}
	var kid string
	if r, ok := members["kid"]; ok {
		_ = json.Unmarshal(r, &kid)
	}
	s.header = jose.Header{Algorithm: alg, KeyID: kid}
	s.alg = jose.SignatureAlgorithm(alg)
	s.payload = payload
	s.manual = true
	return true
}

// headerMembersFirstWins decodes a JSON object keeping the first of
// duplicate members, and reports whether there were duplicates.
func headerMembersFirstWins(b []byte) (map[string]json.RawMessage, bool, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false, false
	}
	m := map[string]json.RawMessage{}
	dup := false
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, false, false
		}
		k, _ := kt.(string)
		var raw json.RawMessage
		if dec.Decode(&raw) != nil {
			return nil, false, false
		}
		if _, seen := m[k]; seen {
			dup = true
			continue
		}
		m[k] = raw
	}
	return m, dup, true
}
