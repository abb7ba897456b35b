package reference

import (
	"context"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	josejson "github.com/go-jose/go-jose/v4/json"

	"github.com/jwtharness/jwtharness/reference/profile"
	"github.com/jwtharness/jwtharness/reference/registry"
)

// Purpose says what an assertion is presented for.
type Purpose int

const (
	// PurposeGrant is the JWT bearer authorization grant (RFC 7523 §2.1).
	PurposeGrant Purpose = iota + 1
	// PurposeClientAuth is JWT client authentication (RFC 7523 §2.2):
	// private_key_jwt or client_secret_jwt, chosen by the algorithm.
	PurposeClientAuth
)

// String names the purpose for messages.
func (p Purpose) String() string {
	switch p {
	case PurposeGrant:
		return "jwt_bearer grant"
	case PurposeClientAuth:
		return "client authentication"
	}
	return "unknown purpose"
}

// Result is what a verified assertion proves.
type Result struct {
	// Client is the registered client identified by iss.
	Client *registry.Client
	// Method is the flow: jwt_bearer, private_key_jwt or client_secret_jwt.
	Method registry.Method
	// Alg is the algorithm that verified.
	Alg jose.SignatureAlgorithm
	// Subject is sub (the resource owner for a grant; client_id otherwise).
	Subject string
	// JTI is the jti claim, if any.
	JTI string
}

// supportedAlgs is the server-wide allow-list handed to go-jose; the
// per-client registered algorithms narrow it further.
var supportedAlgs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512,
	jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512,
	jose.EdDSA,
	jose.HS256, jose.HS384, jose.HS512,
}

// keyEntry is a registered public key, parsed once at start-up.
type keyEntry struct {
	pub       any
	notBefore time.Time
	notAfter  time.Time
	weak      string // non-empty: why this key must not verify
	ids       []string
	cert      *x509.Certificate
}

type clientEntry struct {
	*registry.Client
	keys   []keyEntry
	secret any // Secret boxed once
}

// Verifier checks one assertion against the registry, the configured
// audience and clock, and the replay cache. It is safe for concurrent use
// and needs no HTTP: the handler, the benchmarks and the fuzz target share it.
type Verifier struct {
	opts    Options
	steps   []assertionStep // assertionPipeline, with the overrides of the injected flaws
	clients map[string]*clientEntry
	all     []*clientEntry
	replay  *replayCache
	leeway  float64
	maxLife float64
	maxTok  int
	bis     bool
}

// NewVerifier validates opts (see Options) and pre-parses every registered key.
func NewVerifier(opts Options) (*Verifier, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	v := &Verifier{
		opts:    o,
		steps:   assertionSteps(o.Flaws),
		clients: map[string]*clientEntry{},
		leeway:  o.Leeway.Seconds(),
		maxLife: o.MaxLifetime.Seconds(),
		maxTok:  int(o.MaxBodyBytes),
		bis:     o.Profile == profile.RFC7523bis,
	}
	var ids []string
	for _, c := range o.Registry.Clients() {
		ids = append(ids, c.ID)
		ce := &clientEntry{Client: c}
		if c.Secret != nil {
			ce.secret = c.Secret
		}
		for _, cert := range c.Certificates {
			ce.keys = append(ce.keys, newKeyEntry(cert))
		}
		v.clients[c.ID] = ce
		v.all = append(v.all, ce)
	}
	v.replay = newReplayCache(o.ReplayCapacity, ids)
	return v, nil
}

func newKeyEntry(cert *x509.Certificate) keyEntry {
	k := keyEntry{pub: cert.PublicKey, notBefore: cert.NotBefore, notAfter: cert.NotAfter, cert: cert}
	if rk, ok := cert.PublicKey.(*rsa.PublicKey); ok && rk.N.BitLen() < 2048 {
		k.weak = "RFC 7518 section 3.3: the registered RSA key is shorter than 2048 bits"
	}
	s1 := sha1.Sum(cert.Raw)
	s256 := sha256.Sum256(cert.Raw)
	k.ids = []string{
		base64.RawURLEncoding.EncodeToString(s1[:]),
		base64.RawURLEncoding.EncodeToString(s256[:]),
		hex.EncodeToString(s1[:]), hex.EncodeToString(s256[:]),
		cert.SerialNumber.String(), cert.Subject.CommonName,
	}
	if jwk := (jose.JSONWebKey{Key: cert.PublicKey}); true {
		if tp, err := jwk.Thumbprint(cryptoSHA256); err == nil {
			k.ids = append(k.ids, base64.RawURLEncoding.EncodeToString(tp))
		}
	}
	return k
}

// Options returns the effective options (defaults filled in).
func (v *Verifier) Options() Options { return v.opts }

// Verify runs the assertion pipeline for purpose on a compact-serialized JWT.
// On success the assertion's (iss, jti) is recorded against replay. The
// error, when not nil, carries the RFC 6749 code the flow calls for.
func (v *Verifier) Verify(ctx context.Context, purpose Purpose, assertion string) (*Result, *OAuthError) {
	if purpose != PurposeGrant && purpose != PurposeClientAuth {
		return nil, newErr(ErrInvalidRequest, "unknown assertion purpose")
	}
	s := statePool.Get().(*vstate)
	keys, auds := s.keys[:0], s.claims.Aud.vals[:0]
	*s = vstate{ctx: ctx, purpose: purpose, token: assertion, keys: keys}
	s.claims.Aud.vals = auds
	for _, step := range v.steps {
		if err := step(v, s); err != nil {
			if err != errPassThrough {
				release(s)
				return nil, err
			}
			break
		}
	}
	res := &Result{Client: s.client.Client, Method: s.method, Alg: s.alg, Subject: s.claims.Sub, JTI: s.claims.JTI}
	release(s)
	return res, nil
}

// vstate is one assertion travelling down the pipeline.
type vstate struct {
	ctx     context.Context
	purpose Purpose
	token   string
	now     float64 // seconds, from Options.Now
	nowT    time.Time
	leeway  float64 // seconds of clock skew allowed on exp, nbf and iat

	jws     *jose.JSONWebSignature
	header  jose.Header
	alg     jose.SignatureAlgorithm
	payload []byte
	claims  claims
	client  *clientEntry
	method  registry.Method
	keys    []any // the keys the signature may verify under
}

func release(s *vstate) {
	clear(s.keys)
	clear(s.claims.Aud.vals)
	s.ctx, s.jws, s.payload, s.client = nil, nil, nil, nil
	statePool.Put(s)
}

// statePool recycles pipeline states (and their key and aud buffers).
var statePool = sync.Pool{New: func() any { return new(vstate) }}

// assertionStep is one step of the assertion pipeline.
type assertionStep func(v *Verifier, s *vstate) *OAuthError

// assertionPipeline is the whole validation of one assertion, in order. The
// cheap structural and claim checks come first, so that junk (expired, wrong
// audience, not yet valid) is refused without paying for a signature
// verification; they use only what the assertion itself says, never registry
// state. The signature is verified with the key registered for the issuer
// only; checks that read registry state (client disabled, flow permitted,
// permitted subjects) come after it, so that state is told only to the key
// holder; the replay record is written last, so that a refused assertion
// never burns its jti. A flaw overrides steps by name (seam.go).
var assertionPipeline = []step[assertionStep]{
	{"clock", (*Verifier).readClock},           // Options.Now, Options.Leeway
	{"size", (*Verifier).checkSize},            // MaxBodyBytes
	{"charset", (*Verifier).checkCharset},      // RFC 7515 §7.1, RFC 8725bis: base64url and two dots only, canonical
	{"parse", (*Verifier).parseCompact},        // compact JWS, server alg allow-list, alg none refused
	{"header", (*Verifier).checkHeader},        // crit, b64, typ; jwk/jku/x5c/x5u never used as keys
	{"claims", (*Verifier).decodeClaims},       // one JSON decode, duplicates refused, types checked
	{"issuer", (*Verifier).lookupIssuer},       // RFC 7523 §3 item 1: iss = a registered client_id, exactly
	{"audience", (*Verifier).checkAudience},    // RFC 7523 §3 item 3 (7523bis for client auth)
	{"expiry", (*Verifier).checkExpiry},        // RFC 7523 §3 item 4, RFC 7519 §4.1.4
	{"not-before", (*Verifier).checkNotBefore}, // RFC 7523 §3 item 5
	{"issued-at", (*Verifier).checkIssuedAt},   // RFC 7523 §3 item 6, vendor profile
	{"jti", (*Verifier).checkJTI},              // RFC 7523 §3 item 7, OIDC Core §9
	{"signature", (*Verifier).checkSignature},  // RFC 7523 §3 item 9, RFC 8725 §3.1: registered alg, that client's registered keys only
	{"client", (*Verifier).checkClient},        // disabled; flow and method permitted. After the signature, so registry state is told only to the key holder
	{"subject", (*Verifier).checkSubject},      // RFC 7523 §3 item 2 (permitted subjects are registry state)
	{"replay", (*Verifier).recordReplay},       // atomic insert-if-absent keyed by (iss, jti)
}

func malformed(p Purpose, desc string) *OAuthError {
	e := flowErr(p, desc)
	e.malformed = true
	return e
}

func (v *Verifier) readClock(s *vstate) *OAuthError {
	s.nowT = v.opts.Now()
	s.now = float64(s.nowT.Unix()) + float64(s.nowT.Nanosecond())/1e9
	s.leeway = v.leeway
	return nil
}

func (v *Verifier) checkSize(s *vstate) *OAuthError {
	if len(s.token) > v.maxTok {
		return malformed(s.purpose, "assertion too large")
	}
	return nil
}

// checkCharset accepts only the base64url alphabet and exactly two dots
// (RFC 7515 §2 and §7.1; RFC 8725bis "Check JWT Format Type"): padding, the
// standard alphabet, whitespace, JSON serialization and JWE are all refused
// before any decoding; then every segment must be canonical base64url.
func (v *Verifier) checkCharset(s *vstate) *OAuthError {
	if err := checkAlphabet(s); err != nil {
		return err
	}
	if !canonicalSegments(s.token) {
		return malformed(s.purpose, "RFC 7515 section 2: a segment is not canonical base64url (impossible length or non-zero unused bits)")
	}
	return nil
}

// checkAlphabet: only base64url characters and exactly two dots.
func checkAlphabet(s *vstate) *OAuthError {
	t := s.token
	i := 0
	for ; i+8 <= len(t); i += 8 {
		if b64url[t[i]]&b64url[t[i+1]]&b64url[t[i+2]]&b64url[t[i+3]]&
			b64url[t[i+4]]&b64url[t[i+5]]&b64url[t[i+6]]&b64url[t[i+7]] == 0 {
			break
		}
	}
	for ; i < len(t); i++ {
		if b64url[t[i]] == 0 {
			return malformed(s.purpose, "RFC 7515 section 7.1: the assertion is not a compact JWS (only base64url characters and two dots are allowed; found "+quote(t[i:i+1])+")")
		}
	}
	switch strings.Count(t, ".") {
	case 2:
		return nil
	case 4:
		return malformed(s.purpose, "RFC 7523 section 3 item 9: the assertion is a JWE (5 parts); only signed or MACed JWTs are accepted")
	}
	return malformed(s.purpose, "RFC 7515 section 7.1: the assertion must have exactly three dot-separated parts")
}

// canonicalSegments checks that every dot-separated segment is canonical
// unpadded base64url: its length is not 1 mod 4 and the unused low bits of
// its last character are zero. Go's decoder ignores those bits, which would
// let one token have many encodings.
func canonicalSegments(t string) bool {
	for {
		seg := t
		i := strings.IndexByte(t, '.')
		if i >= 0 {
			seg, t = t[:i], t[i+1:]
		}
		if n := len(seg); n > 0 {
			last := b64val[seg[n-1]]
			switch n % 4 {
			case 1:
				return false
			case 2:
				if last&0x0f != 0 {
					return false
				}
			case 3:
				if last&0x03 != 0 {
					return false
				}
			}
		}
		if i < 0 {
			return true
		}
	}
}

// b64val is the 6-bit value of each base64url character.
var b64val = func() (t [256]byte) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// b64url is 1 for the base64url alphabet and the dot, 0 for anything else.
var b64url = func() (t [256]byte) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c], t[c+'a'-'A'] = 1, 1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = 1
	}
	t['-'], t['_'], t['.'] = 1, 1, 1
	return t
}()

func (v *Verifier) parseCompact(s *vstate) *OAuthError {
	return v.parseWith(s, supportedAlgs)
}

// parseWith parses the compact JWS with go-jose, accepting only algs.
func (v *Verifier) parseWith(s *vstate, algs []jose.SignatureAlgorithm) *OAuthError {
	jws, err := jose.ParseSignedCompact(s.token, algs)
	if err != nil {
		return malformed(s.purpose, diagnoseParse(s.token, algs, err))
	}
	if len(jws.Signatures) != 1 {
		return malformed(s.purpose, "RFC 7523 section 2: the assertion must carry exactly one signature")
	}
	s.jws = jws
	s.header = jws.Signatures[0].Protected
	s.alg = jose.SignatureAlgorithm(jws.Signatures[0].Header.Algorithm)
	s.payload = jws.UnsafePayloadWithoutVerification()
	return nil
}

// rawHeader decodes the protected header of a compact token (error paths
// and flaws only: the hot path lets go-jose do it once).
func rawHeader(token string) (map[string]any, bool) {
	h, _, ok := strings.Cut(token, ".")
	if !ok {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return nil, false
	}
	var m map[string]any
	if josejson.Unmarshal(b, &m) != nil {
		return nil, false
	}
	return m, true
}

func diagnoseParse(token string, algs []jose.SignatureAlgorithm, err error) string {
	m, ok := rawHeader(token)
	if !ok {
		return "RFC 7515 section 5.2: the assertion header or payload is not valid base64url-encoded JSON"
	}
	a, isString := m["alg"].(string)
	switch {
	case !isString || a == "":
		return "RFC 7515 section 4.1.1: the alg header is missing or not a string"
	case strings.EqualFold(a, "none"):
		return "RFC 7523 section 3 item 9 and RFC 8725 section 3.1: alg none is refused; the JWT must be signed or MACed"
	}
	for _, x := range algs {
		if string(x) == a {
			return "RFC 7515 section 5.2: the assertion could not be parsed: " + sanitizeDesc(err.Error())
		}
	}
	return "RFC 8725 section 3.1: alg " + quote(a) + " is not supported"
}

func (v *Verifier) checkHeader(s *vstate) *OAuthError {
	if len(s.header.ExtraHeaders) == 0 {
		return nil
	}
	if _, ok := s.header.ExtraHeaders["b64"]; ok {
		return flowErr(s.purpose, "RFC 7797 and RFC 7519 section 7.2: the b64 header is not supported; a JWT payload is base64url-encoded")
	}
	if _, ok := s.header.ExtraHeaders["crit"]; ok {
		return flowErr(s.purpose, "RFC 7515 section 4.1.11: crit lists extensions this server does not understand")
	}
	return checkTyp(s, typAllowed)
}

// checkTyp checks the typ header, if any, with allowed.
func checkTyp(s *vstate, allowed func(Purpose, string) bool) *OAuthError {
	typ, ok := s.header.ExtraHeaders["typ"]
	if !ok {
		return nil
	}
	t, isString := typ.(string)
	if !isString {
		return flowErr(s.purpose, "RFC 7515 section 4.1.9: typ must be a string")
	}
	if !allowed(s.purpose, t) {
		return flowErr(s.purpose, "RFC 8725 section 3.11: typ "+quote(t)+" names another kind of JWT")
	}
	return nil
}

// typAllowed: untyped, JWT and client-authentication+jwt are accepted
// (7523bis: servers should not reject untyped assertions); any other
// "+jwt" type is another kind of JWT (at+jwt, dpop+jwt, ...).
func typAllowed(p Purpose, t string) bool {
	l := strings.ToLower(strings.TrimPrefix(strings.ToLower(t), "application/"))
	switch l {
	case "jwt", "":
		return true
	case "client-authentication+jwt":
		return p == PurposeClientAuth
	}
	return !strings.HasSuffix(l, "+jwt")
}

func (v *Verifier) decodeClaims(s *vstate) *OAuthError {
	return v.decodeWith(s, parseOptions{})
}

// decodeWith decodes the claims with the parser options opt (all off on a
// correct server).
func (v *Verifier) decodeWith(s *vstate, opt parseOptions) *OAuthError {
	s.claims = claims{Aud: audience{vals: s.claims.Aud.vals[:0]}}
	if err := parseClaims(s.payload, &s.claims, opt); err != nil {
		return malformed(s.purpose, "RFC 7519 section 7.2: the claims are not a valid JSON object of the registered claim types: "+sanitizeDesc(err.Error()))
	}
	return nil
}

func (v *Verifier) lookupIssuer(s *vstate) *OAuthError {
	iss := s.claims.Iss
	if iss == "" {
		return flowErr(s.purpose, "RFC 7523 section 3 item 1: the iss claim is required")
	}
	c, ok := v.clients[iss]
	if !ok {
		return flowErr(s.purpose, "RFC 7523 section 3 item 1: iss "+quote(iss)+" is not a registered client")
	}
	s.client = c
	return nil
}

// audRule is what checkAudienceWith accepts.
type audRule struct {
	match         func(got, want string) bool // Simple String Comparison (RFC 3986 §6.2.1)
	tokenEndpoint bool                        // Options.Audience (the token endpoint URL) is accepted
	issuer        bool                        // Options.Issuer is accepted
	bisSoleIssuer bool                        // rfc7523bis client assertions: the issuer as the sole value
}

// correctAud is RFC 7523 §3 item 3 and draft-ietf-oauth-rfc7523bis §4.
var correctAud = audRule{match: exactMatch, tokenEndpoint: true, issuer: true, bisSoleIssuer: true}

func exactMatch(got, want string) bool { return got == want }

func (v *Verifier) checkAudience(s *vstate) *OAuthError {
	return v.checkAudienceWith(s, correctAud)
}

func (v *Verifier) checkAudienceWith(s *vstate, r audRule) *OAuthError {
	a := &s.claims.Aud
	if a.bad != "" {
		return flowErr(s.purpose, "RFC 7519 section 4.1.3: aud must be a string or an array of strings ("+a.bad+")")
	}
	if len(a.vals) == 0 {
		return flowErr(s.purpose, "RFC 7523 section 3 item 3: the aud claim is required")
	}
	if v.bis && s.purpose == PurposeClientAuth && r.bisSoleIssuer {
		if len(a.vals) != 1 || a.vals[0] != v.opts.Issuer || !r.issuer {
			return newErr(ErrInvalidClient, "draft-ietf-oauth-rfc7523bis section 4: a client assertion aud must be the issuer identifier as its sole value")
		}
		return nil
	}
	for _, x := range a.vals {
		if r.tokenEndpoint && r.match(x, v.opts.Audience) {
			return nil
		}
		if r.issuer && v.opts.Issuer != "" && r.match(x, v.opts.Issuer) {
			return nil
		}
	}
	return flowErr(s.purpose, "RFC 7523 section 3 item 3: aud does not contain this server's identity")
}

func (v *Verifier) dateErr(s *vstate, name string, d *numericDate) *OAuthError {
	switch d.kind {
	case ndString:
		return flowErr(s.purpose, "RFC 7519 section 2: "+name+" must be a JSON number (NumericDate), not a string")
	case ndNotNumber:
		return flowErr(s.purpose, "RFC 7519 section 2: "+name+" must be a JSON number (NumericDate)")
	case ndNonFinite:
		return flowErr(s.purpose, "RFC 7519 section 2: "+name+" is out of range")
	}
	return nil
}

// expiryRule is what checkExpiryWith enforces.
type expiryRule struct {
	required  bool    // exp must be present
	expired   bool    // refuse an expired exp
	leeway    float64 // allowed on the expired check
	atNowOK   bool    // exp == now + leeway counts as not expired
	capped    bool    // refuse exp beyond the lifetime cap
	capMargin float64 // the cap is now + MaxLifetime + capMargin
}

// correctExpiry is RFC 7523 §3 item 4 with the vendor lifetime cap.
func (v *Verifier) correctExpiry(s *vstate) expiryRule {
	return expiryRule{required: true, expired: true, leeway: s.leeway, capped: true, capMargin: s.leeway}
}

func (v *Verifier) checkExpiry(s *vstate) *OAuthError {
	return v.checkExpiryWith(s, v.correctExpiry(s))
}

func (v *Verifier) checkExpiryWith(s *vstate, r expiryRule) *OAuthError {
	e := &s.claims.Exp
	if !e.set {
		if !r.required {
			return nil
		}
		return flowErr(s.purpose, "RFC 7523 section 3 item 4: the exp claim is required")
	}
	if err := v.dateErr(s, "exp", e); err != nil {
		return err
	}
	// RFC 7519 §4.1.4: the current time MUST be before exp (+ leeway).
	passed := !(s.now < e.v+r.leeway)
	if r.atNowOK {
		passed = s.now > e.v+r.leeway
	}
	if r.expired && passed {
		return flowErr(s.purpose, "RFC 7523 section 3 item 4: the assertion has expired")
	}
	if r.capped && e.v > s.now+v.maxLife+r.capMargin {
		return flowErr(s.purpose, "RFC 7523 section 3 item 4: exp is too far in the future (more than max_lifetime plus leeway ahead)")
	}
	return nil
}

func (v *Verifier) checkNotBefore(s *vstate) *OAuthError {
	return v.checkNotBeforeWith(s, s.leeway, true)
}

// checkNotBeforeWith refuses (when enforce) an nbf more than leeway ahead.
func (v *Verifier) checkNotBeforeWith(s *vstate, leeway float64, enforce bool) *OAuthError {
	n := &s.claims.Nbf
	if !n.set {
		return nil
	}
	if err := v.dateErr(s, "nbf", n); err != nil {
		return err
	}
	if enforce && n.v > s.now+leeway {
		return flowErr(s.purpose, "RFC 7523 section 3 item 5: the assertion is not yet valid (nbf)")
	}
	return nil
}

// iatRule is what checkIssuedAtWith enforces.
type iatRule struct {
	requiredGrant  bool // the bearer grant must carry iat (vendor profile)
	requiredClient bool // a client assertion must carry iat
	future         bool // refuse an iat more than leeway ahead
}

var correctIat = iatRule{requiredGrant: true, future: true}

func (v *Verifier) checkIssuedAt(s *vstate) *OAuthError {
	return v.checkIssuedAtWith(s, correctIat)
}

func (v *Verifier) checkIssuedAtWith(s *vstate, r iatRule) *OAuthError {
	i := &s.claims.Iat
	if !i.set {
		if s.purpose == PurposeGrant && r.requiredGrant || s.purpose == PurposeClientAuth && r.requiredClient {
			return flowErr(s.purpose, "vendor profile (RFC 7523 section 3 item 6): the iat claim is required for the bearer grant")
		}
		return nil
	}
	if err := v.dateErr(s, "iat", i); err != nil {
		return err
	}
	if r.future && i.v > s.now+s.leeway {
		return flowErr(s.purpose, "RFC 7519 section 4.1.6: iat is in the future")
	}
	return nil
}

func (v *Verifier) checkJTI(s *vstate) *OAuthError {
	if s.claims.JTI == "" && s.purpose == PurposeClientAuth {
		return newErr(ErrInvalidClient, "OpenID Connect Core section 9: the jti claim is required in a client assertion")
	}
	return nil
}

// checkSignature pins the algorithm to the client's registered ones, takes
// that client's registered keys and verifies the signature with go-jose.
func (v *Verifier) checkSignature(s *vstate) *OAuthError {
	if err := v.pinAlgorithm(s); err != nil {
		return err
	}
	if err := v.registeredKeys(s, keyRule{}); err != nil {
		return err
	}
	return v.verifyWithKeys(s)
}

// pinAlgorithm refuses an algorithm not registered for the client (RFC
// 8725 §3.1) and derives the method from purpose and algorithm.
func (v *Verifier) pinAlgorithm(s *vstate) *OAuthError {
	if !s.client.AllowsAlg(s.alg) {
		return flowErr(s.purpose, "RFC 8725 section 3.1: alg "+string(s.alg)+" is not registered for client "+quote(s.client.ID))
	}
	s.method = methodFor(s.purpose, s.alg)
	return nil
}

// methodFor: the bearer grant is jwt_bearer; client authentication with
// HS* is client_secret_jwt, with any other algorithm private_key_jwt.
func methodFor(p Purpose, alg jose.SignatureAlgorithm) registry.Method {
	switch {
	case p == PurposeGrant:
		return registry.MethodJWTBearer
	case registry.IsHMAC(alg):
		return registry.MethodClientSecretJWT
	}
	return registry.MethodPrivateKeyJWT
}

// keyRule says whose registered keys registeredKeys takes.
type keyRule struct {
	allClients     bool // every client's certificates, not only the issuer's
	firstOnly      bool // only the first certificate of each client
	ignoreValidity bool // certificates outside notBefore/notAfter too
}

// registeredKeys puts the keys the signature may verify under in s.keys:
// the client's secret for HS*, else its registered certificates' keys
// that fit the algorithm, are strong enough and are valid now.
func (v *Verifier) registeredKeys(s *vstate, r keyRule) *OAuthError {
	c := s.client
	if registry.IsHMAC(s.alg) {
		if c.Secret == nil {
			return flowErr(s.purpose, "RFC 8725 section 3.1: HS* needs a client secret; client "+quote(c.ID)+" has none")
		}
		s.keys = append(s.keys, c.secret)
		return nil
	}
	owners := []*clientEntry{c}
	if r.allClients {
		owners = v.all
	}
	var fit, expired, future, weak int
	var weakWhy string
	for _, o := range owners {
		keys := o.keys
		if r.firstOnly && len(keys) > 1 {
			keys = keys[:1]
		}
		for i := range keys {
			k := &keys[i]
			if !registry.KeyFits(s.alg, k.pub) {
				continue
			}
			fit++
			if k.weak != "" {
				weak++
				weakWhy = k.weak
				continue
			}
			if !r.ignoreValidity {
				if s.nowT.After(k.notAfter) {
					expired++
					continue
				}
				if s.nowT.Before(k.notBefore) {
					future++
					continue
				}
			}
			s.keys = append(s.keys, k.pub)
		}
	}
	if len(s.keys) > 0 {
		return nil
	}
	switch {
	case fit == 0:
		return flowErr(s.purpose, "RFC 7523 section 3 item 9: no certificate registered for client "+quote(c.ID)+" has a key for "+string(s.alg))
	case weak == fit:
		return flowErr(s.purpose, weakWhy)
	case expired > 0 && future == 0:
		return flowErr(s.purpose, "RFC 5280 section 4.1.2.5: the certificate registered for client "+quote(c.ID)+" has expired")
	case future > 0 && expired == 0:
		return flowErr(s.purpose, "RFC 5280 section 4.1.2.5: the certificate registered for client "+quote(c.ID)+" is not yet valid")
	}
	return flowErr(s.purpose, "RFC 5280 section 4.1.2.5: no certificate registered for client "+quote(c.ID)+" is valid now")
}

// verifyWithKeys verifies the parsed JWS with go-jose under s.keys.
func (v *Verifier) verifyWithKeys(s *vstate) *OAuthError {
	for _, k := range s.keys {
		if _, err := s.jws.Verify(k); err == nil {
			return nil
		}
	}
	return signatureErr(s)
}

func signatureErr(s *vstate) *OAuthError {
	if registry.IsHMAC(s.alg) {
		return flowErr(s.purpose, "RFC 7523 section 3 item 9: the MAC does not verify with the secret of client "+quote(s.client.ID))
	}
	return flowErr(s.purpose, "RFC 7523 section 3 item 9: the signature does not verify with any certificate registered for client "+quote(s.client.ID))
}

// clientRule is what checkClientWith enforces.
type clientRule struct {
	enabled   bool // a disabled client is refused
	permitted bool // the client is registered for the flow
	method    bool // ... and for the method its algorithm means
}

var correctClient = clientRule{enabled: true, permitted: true, method: true}

func (v *Verifier) checkClient(s *vstate) *OAuthError {
	return v.checkClientWith(s, correctClient)
}

func (v *Verifier) checkClientWith(s *vstate, r clientRule) *OAuthError {
	c := s.client
	if r.enabled && c.Disabled {
		return flowErr(s.purpose, "client "+quote(c.ID)+" is disabled")
	}
	if !r.permitted {
		return nil
	}
	if s.purpose == PurposeGrant {
		if !c.Allows(registry.MethodJWTBearer) {
			return newErr(ErrUnauthorizedClient, "RFC 6749 section 5.2: client "+quote(c.ID)+" is not registered for the jwt-bearer grant")
		}
		return nil
	}
	if !c.Allows(registry.MethodPrivateKeyJWT) && !c.Allows(registry.MethodClientSecretJWT) {
		return newErr(ErrInvalidClient, "RFC 6749 section 5.2: client "+quote(c.ID)+" is not registered for JWT client authentication")
	}
	if r.method && !c.Allows(s.method) {
		return newErr(ErrInvalidClient, "RFC 6749 section 5.2: "+string(s.alg)+" means "+string(s.method)+", which client "+quote(c.ID)+" is not registered for")
	}
	return nil
}

// subjectRule is what checkSubjectWith enforces.
type subjectRule struct {
	required    bool // sub must be present
	clientIsSub bool // client authentication: sub = client_id
	permitted   bool // bearer grant: sub is a permitted subject of the client
}

var correctSubject = subjectRule{required: true, clientIsSub: true, permitted: true}

func (v *Verifier) checkSubject(s *vstate) *OAuthError {
	return v.checkSubjectWith(s, correctSubject)
}

func (v *Verifier) checkSubjectWith(s *vstate, r subjectRule) *OAuthError {
	sub := s.claims.Sub
	if sub == "" {
		if !r.required {
			return nil
		}
		return flowErr(s.purpose, "RFC 7523 section 3 item 2: the sub claim is required")
	}
	if s.purpose == PurposeClientAuth {
		if r.clientIsSub && sub != s.client.ID {
			return newErr(ErrInvalidClient, "RFC 7523 section 3 item 2: for client authentication sub must be the client_id")
		}
		return nil
	}
	if r.permitted && !s.client.AllowsSubject(sub) {
		return newErr(ErrInvalidGrant, "RFC 7523 section 3 item 2: sub "+quote(sub)+" is not an authorized subject of client "+quote(s.client.ID))
	}
	return nil
}

func (v *Verifier) recordReplay(s *vstate) *OAuthError {
	if s.claims.JTI == "" {
		return nil
	}
	return v.replay.insert(s.purpose, replayClient(s), replayKey(s), v.replayUntil(s), s.now)
}

// replayClient is the replay partition: the client, or the iss as sent.
func replayClient(s *vstate) string {
	if s.client != nil {
		return s.client.ID
	}
	return s.claims.Iss
}

// replayKey is (iss, jti).
func replayKey(s *vstate) string { return replayClient(s) + "\x00" + s.claims.JTI }

// replayUntil keeps the entry while the assertion could still be accepted:
// exp + leeway, capped at the longest lifetime the server allows.
func (v *Verifier) replayUntil(s *vstate) float64 {
	until := s.now + v.maxLife + s.leeway
	if e := &s.claims.Exp; e.set && e.kind == ndOK && e.v+s.leeway < until {
		until = e.v + s.leeway
	}
	return until
}
