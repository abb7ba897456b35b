package reference

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
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
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/reference/registry"
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

func lenientClean(t string) string {
	var b strings.Builder
	for _, r := range t {
		switch {
		case r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '=':
		case r == '+':
			b.WriteByte('-')
		case r == '/':
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// algNone recognizes alg none in any letter case (flaw alg-none-accepted).
func algNone(token string) ([]byte, bool) {
	m, ok := rawHeader(token)
	if !ok {
		return nil, false
	}
	if a, _ := m["alg"].(string); !strings.EqualFold(a, "none") {
		return nil, false
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, false
	}
	p, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, false
	}
	return p, true
}

func hsPublicKeyVariants(cert *x509.Certificate) []any {
	spki := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: cert.RawSubjectPublicKeyInfo})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
	return []any{spki, spki[:len(spki)-1], certPEM, certPEM[:len(certPEM)-1], cert.RawSubjectPublicKeyInfo, cert.Raw}
}

func (v *Verifier) kidKnown(c *clientEntry, kid string) bool {
	for _, k := range c.keys {
		for _, id := range k.ids {
			if id == kid {
				return true
			}
		}
	}
	return false
}

// manualVerify checks a compact token's signature directly with crypto
// primitives; only flaws use it (crit-ignored, ecdsa-der-accepted).
func manualVerify(alg jose.SignatureAlgorithm, key any, token string, der bool) bool {
	i := strings.LastIndexByte(token, '.')
	if i < 0 {
		return false
	}
	input := []byte(token[:i])
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil {
		return false
	}
	h, digest := hashFor(alg, input)
	switch k := key.(type) {
	case *rsa.PublicKey:
		if strings.HasPrefix(string(alg), "RS") {
			return rsa.VerifyPKCS1v15(k, h, digest, sig) == nil
		}
		if strings.HasPrefix(string(alg), "PS") {
			return rsa.VerifyPSS(k, h, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil
		}
	case *ecdsa.PublicKey:
		if der {
			return ecdsa.VerifyASN1(k, digest, sig)
		}
		n := (k.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*n {
			return false
		}
		r, s := bigFrom(sig[:n]), bigFrom(sig[n:])
		return ecdsa.Verify(k, digest, r, s)
	case ed25519.PublicKey:
		return alg == jose.EdDSA && ed25519.Verify(k, input, sig)
	case []byte:
		return hmacEqual(alg, k, input, sig)
	}
	return false
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

// byHand says which hand-rolled header parse a flaw does.
type byHand int

const (
	byHandAlgMissing byHand = iota // alg-defaulted: a header without alg
	byHandFirstWins                // duplicate-header-first-wins: the first of duplicate members wins
)

// parseByHand is the hand-rolled header parser of flaws alg-defaulted and
// duplicate-header-first-wins, run only after go-jose refused the token. It
// leaves s.jws nil (the signature is then checked by manualVerify over the
// token as sent) and s.alg empty when the header has no alg.
func parseByHand(s *vstate, mode byHand) bool {
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
	case !hasAlg && mode == byHandAlgMissing:
	case hasAlg && dup && mode == byHandFirstWins:
		if json.Unmarshal(raw, &alg) != nil || !slices.Contains(supportedAlgs, jose.SignatureAlgorithm(alg)) {
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
	s.jws = nil
	s.header = jose.Header{Algorithm: alg, KeyID: kid}
	s.alg = jose.SignatureAlgorithm(alg)
	s.payload = payload
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

// errPassThrough, returned by a step, ends the assertion pipeline early
// with success. The correct pipeline never returns it; only the override of
// flaw jwe-passthrough does.
var errPassThrough = &OAuthError{Code: "pass-through"}

// anonymousClient is who a passed-through JWE's token goes to when the
// request names no registered client (flaw jwe-passthrough).
var anonymousClient = &clientEntry{Client: &registry.Client{ID: "anonymous"}}

// passThrough accepts a five-part JWE unverified (flaw jwe-passthrough): the
// client is the one the client_id parameter names, else anonymous.
func (v *Verifier) passThrough(s *vstate) *OAuthError {
	s.client = anonymousClient
	if c, ok := v.clients[namedClient(s.ctx)]; ok {
		s.client = c
	}
	s.method = methodFor(s.purpose, s.alg)
	return errPassThrough
}

// clientByTrial returns the first registered client whose key or secret
// verifies the token as parsed, trying the client the request names
// (client_id) first (flaws iss-unknown-default-client and
// iss-number-stringified identify the client by its key).
func (v *Verifier) clientByTrial(s *vstate) *clientEntry {
	if s.jws == nil {
		return nil
	}
	order := v.all
	if c, ok := v.clients[namedClient(s.ctx)]; ok {
		order = append([]*clientEntry{c}, v.all...)
	}
	for _, c := range order {
		if registry.IsHMAC(s.alg) {
			if c.secret != nil {
				if _, err := s.jws.Verify(c.secret); err == nil {
					return c
				}
			}
			continue
		}
		for _, k := range c.keys {
			if !registry.KeyFits(s.alg, k.pub) {
				continue
			}
			if _, err := s.jws.Verify(k.pub); err == nil {
				return c
			}
		}
	}
	return nil
}

// defaultClient is the catch-all client of flaw iss-unknown-default-client:
// named after the unknown iss, trusting every registered key and secret
// (found by trial verification), permitting every flow, algorithm and subject.
func (v *Verifier) defaultClient(s *vstate, iss string) (*clientEntry, bool) {
	if !validClientID(iss) {
		return nil, false
	}
	c := v.clientByTrial(s)
	if c == nil {
		return nil, false
	}
	return &clientEntry{
		Client: &registry.Client{ID: iss, Algorithms: supportedAlgs, Certificates: c.Certificates, Secret: c.Secret,
			Methods: []registry.Method{registry.MethodJWTBearer, registry.MethodPrivateKeyJWT, registry.MethodClientSecretJWT}},
		keys: c.keys, secret: c.secret,
	}, true
}

// validClientID: the default client serves only issuers that are valid
// client_id syntax, VSCHAR = %x20-7E (RFC 6749 appendix A.1).
func validClientID(id string) bool {
	if id == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x20 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

// isDecimal reports whether s is a decimal number as a stringified JSON
// number reads (flaw iss-number-stringified).
func isDecimal(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && c != '-' && c != '.' && c != 'e' && c != 'E' && c != '+' {
			return false
		}
	}
	return true
}

// defaultAlgToken rewrites the header of a token whose alg this server does
// not know with the issuer's first registered algorithm, re-encoding the
// header (flaw alg-unknown-default). The signature is left as sent.
func (v *Verifier) defaultAlgToken(token string) (string, bool) {
	h, rest, ok := strings.Cut(token, ".")
	if !ok {
		return "", false
	}
	hb, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return "", false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(hb, &m) != nil {
		return "", false
	}
	var alg string
	if json.Unmarshal(m["alg"], &alg) != nil || alg == "" || strings.EqualFold(alg, "none") || slices.Contains(supportedAlgs, jose.SignatureAlgorithm(alg)) {
		return "", false
	}
	p, _, _ := strings.Cut(rest, ".")
	pb, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return "", false
	}
	var cl struct {
		Iss string `json:"iss"`
	}
	if json.Unmarshal(pb, &cl) != nil {
		return "", false
	}
	c, ok := v.clients[cl.Iss]
	if !ok || len(c.Algorithms) == 0 {
		return "", false
	}
	m["alg"], _ = json.Marshal(string(c.Algorithms[0]))
	nh, err := json.Marshal(m)
	if err != nil {
		return "", false
	}
	return base64.RawURLEncoding.EncodeToString(nh) + "." + rest, true
}

// builtinDevSecret is the framework default HMAC secret of flaw
// hmac-any-key-length (6 bytes: a length check would refuse it).
const builtinDevSecret = "secret"

// zeroECDSASignature reports whether the signature segment is all zero
// bytes, r = s = 0 (flaw ecdsa-no-range-check: without the range check
// the verification equation holds for it).
func zeroECDSASignature(token string) bool {
	i := strings.LastIndexByte(token, '.')
	if i < 0 {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil || len(sig) == 0 {
		return false
	}
	for _, b := range sig {
		if b != 0 {
			return false
		}
	}
	return true
}

// sameHost reports whether two URLs share scheme and host (flaw
// aud-same-host-any-path).
func sameHost(got, want string) bool {
	g, err1 := url.Parse(got)
	w, err2 := url.Parse(want)
	return err1 == nil && err2 == nil && g.Host != "" && g.Scheme == w.Scheme && strings.EqualFold(g.Host, w.Host)
}

// racyInsert is the check-then-act cache of flaw jti-replay-racy: the check
// and the write are two critical sections with a storage round trip between.
func (c *replayCache) racyInsert(p Purpose, client, key string, until, now float64) *OAuthError {
	r := c.part(client)
	r.mu.Lock()
	exp, seen := r.m[key]
	r.mu.Unlock()
	if seen && exp > now {
		return replayErr(p)
	}
	time.Sleep(20 * time.Millisecond) // a remote store's round trip
	r.mu.Lock()
	r.m[key] = until
	r.mu.Unlock()
	return nil
}
