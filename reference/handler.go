package reference

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jwtharness/jwtharness/reference/registry"
)

// Grant and assertion type URNs (RFC 7523 §2.1, §2.2).
const (
	GrantTypeJWTBearer         = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	GrantTypeClientCredentials = "client_credentials"
	ClientAssertionTypeJWT     = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
)

// Paths served by the handler.
const (
	TokenPath    = "/token"
	MetadataPath = "/.well-known/oauth-authorization-server"
)

// Response formats of the vendor format parameter.
const (
	FormatJSON       = "json"
	FormatURLEncoded = "urlencoded"
	FormatXML        = "xml"
)

var knownParams = map[string]bool{
	"grant_type": true, "assertion": true, "scope": true, "client_id": true,
	"client_assertion": true, "client_assertion_type": true, "client_secret": true, "format": true,
}

// handler is the token endpoint.
type handler struct {
	v       *Verifier
	opts    Options
	log     *slog.Logger
	refusal *logLimiter // "token refused" lines per second
}

// NewHandler returns the reference token endpoint (POST /token) and its RFC
// 8414 metadata (GET /.well-known/oauth-authorization-server). Options.Audience
// is required: the handler cannot know the URL it is reached at.
func NewHandler(opts Options) (http.Handler, error) {
	v, err := NewVerifier(opts)
	if err != nil {
		return nil, err
	}
	return newHandler(v), nil
}

func newHandler(v *Verifier) http.Handler {
	h := &handler{v: v, opts: v.opts, log: v.opts.Logger, refusal: newLogLimiter(v.opts.RefusalLogRate)}
	mux := http.NewServeMux()
	mux.HandleFunc(TokenPath, h.token)
	mux.HandleFunc(MetadataPath, h.metadata)
	return mux
}

// treq is one token request travelling down the request pipeline.
type treq struct {
	r        *http.Request
	w        http.ResponseWriter
	body     []byte
	form     url.Values
	format   string
	grant    string
	usedAuth bool   // the Authorization header was sent
	authHdr  string // its scheme
	client   *Result
	grantRes *Result
	scope    string
}

type rstep struct {
	name string
	run  func(h *handler, t *treq) *OAuthError
}

// requestPipeline is the token request, in order (fosite style: one visible
// list). Everything before "client-authentication" is cheap and happens
// before any signature is verified.
var requestPipeline = []rstep{
	{"method", (*handler).checkMethod},             // RFC 6749 §3.2: POST only (405, Allow: POST)
	{"content-type", (*handler).checkContentType},  // RFC 6749 §3.2, App. B: application/x-www-form-urlencoded (charset allowed)
	{"body", (*handler).readBody},                  // MaxBodyBytes (413)
	{"query", (*handler).checkQuery},               // RFC 6749 §3.2: no parameters in the URL query
	{"form", (*handler).parseForm},                 // repeated parameters refused; empty = omitted
	{"format", (*handler).checkFormat},             // vendor format parameter
	{"grant-type", (*handler).checkGrantType},      // present, known (unsupported_grant_type)
	{"auth-methods", (*handler).checkAuthMethods},  // RFC 6749 §2.3: one client authentication method
	{"client-auth", (*handler).authenticateClient}, // RFC 7523 §2.2 (private_key_jwt, client_secret_jwt)
	{"grant", (*handler).checkGrant},               // RFC 7523 §2.1
	{"client-id", (*handler).checkClientID},        // RFC 7521 §4.2: client_id names the same client
}

func (h *handler) token(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	t := &treq{r: r, w: w, format: FormatJSON}
	for _, st := range requestPipeline {
		if err := st.run(h, t); err != nil {
			h.writeError(t, err)
			h.logRequest(t, start, err)
			return
		}
	}
	h.issue(t)
	h.logRequest(t, start, nil)
}

func (h *handler) logRequest(t *treq, start time.Time, err *OAuthError) {
	if !h.log.Enabled(context.Background(), slog.LevelInfo) {
		return
	}
	if err != nil {
		ok, heldBack := h.refusal.allow()
		if heldBack > 0 {
			h.log.Info("token refusals not logged", "count", heldBack, "limit_per_second", h.opts.RefusalLogRate)
		}
		if !ok {
			return
		}
	}
	attrs := []any{"method", t.r.Method, "grant_type", sanitizeDesc(t.grant), "duration", time.Since(start)}
	if t.client != nil {
		attrs = append(attrs, "client_id", t.client.Client.ID, "auth", string(t.client.Method))
	}
	if t.grantRes != nil {
		attrs = append(attrs, "grant_iss", t.grantRes.Client.ID)
	}
	if err != nil {
		attrs = append(attrs, "status", err.Status, "error", err.Code, "reason", err.Description)
		h.log.Info("token refused", attrs...)
		return
	}
	h.log.Info("token issued", attrs...)
}

func (h *handler) has(f Flaw) bool { return h.v.has(f) }

func (h *handler) checkMethod(t *treq) *OAuthError {
	if t.r.Method == http.MethodPost {
		return nil
	}
	if t.r.Method == http.MethodGet && h.has(FlawGETAccepted) {
		return nil
	}
	if t.r.Method != http.MethodGet && h.has(FlawMethodNotChecked) {
		return nil
	}
	e := newErr(ErrInvalidRequest, "RFC 6749 section 3.2: the token endpoint only accepts POST")
	e.Status = http.StatusMethodNotAllowed
	e.Header = http.Header{"Allow": {http.MethodPost}}
	return e
}

func (h *handler) checkContentType(t *treq) *OAuthError {
	if t.r.Method == http.MethodGet {
		return nil
	}
	ct := t.r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil && mt == "application/x-www-form-urlencoded" {
		if len(params) > 0 && h.has(FlawCharsetRejected) {
			return newErr(ErrInvalidRequest, "Content-Type must be exactly application/x-www-form-urlencoded")
		}
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			return newErr(ErrInvalidRequest, "RFC 6749 appendix B: the form must be UTF-8, not charset "+quote(cs))
		}
		return nil
	}
	if h.has(FlawNonFormAccepted) && (mt == "application/json" || mt == "multipart/form-data") {
		return nil
	}
	if ct == "" && h.has(FlawContentTypeOptional) {
		return nil
	}
	if ct == "" {
		return newErr(ErrInvalidRequest, "RFC 6749 section 3.2: Content-Type application/x-www-form-urlencoded is required")
	}
	return newErr(ErrInvalidRequest, "RFC 6749 section 3.2: the body must be application/x-www-form-urlencoded, not "+quote(ct))
}

func (h *handler) readBody(t *treq) *OAuthError {
	limit := h.opts.MaxBodyBytes
	if h.has(FlawNoSizeLimit) {
		limit = 1 << 30
	}
	b, err := io.ReadAll(http.MaxBytesReader(t.w, t.r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			e := newErr(ErrInvalidRequest, "request body larger than the server limit")
			e.Status = http.StatusRequestEntityTooLarge
			return e
		}
		return newErr(ErrInvalidRequest, "could not read the request body")
	}
	t.body = b
	return nil
}

func (h *handler) checkQuery(t *treq) *OAuthError {
	if t.r.URL.RawQuery == "" || t.r.Method == http.MethodGet || h.has(FlawQueryParamsAccepted) {
		return nil
	}
	return newErr(ErrInvalidRequest, "RFC 6749 section 3.2: parameters must be sent in the request body, not in the URL query")
}

func (h *handler) parseForm(t *treq) *OAuthError {
	var (
		form url.Values
		err  error
	)
	mt, params, _ := mime.ParseMediaType(t.r.Header.Get("Content-Type"))
	switch {
	case t.r.Method == http.MethodGet:
		form, err = url.ParseQuery(t.r.URL.RawQuery)
	case mt == "application/json": // flaw non-form-accepted
		var m map[string]string
		err = json.Unmarshal(t.body, &m)
		form = url.Values{}
		for k, v := range m {
			form.Set(k, v)
		}
	case mt == "multipart/form-data": // flaw non-form-accepted
		r2 := t.r.Clone(t.r.Context())
		r2.Body = io.NopCloser(strings.NewReader(string(t.body)))
		r2.Header.Set("Content-Type", mime.FormatMediaType(mt, params))
		if err = r2.ParseMultipartForm(1 << 20); err == nil {
			form = url.Values(r2.MultipartForm.Value)
		}
	default:
		form, err = url.ParseQuery(string(t.body))
	}
	if err != nil {
		return newErr(ErrInvalidRequest, "the request body is not a valid form: "+sanitizeDesc(err.Error()))
	}
	if h.has(FlawQueryParamsAccepted) && t.r.URL.RawQuery != "" {
		if q, err := url.ParseQuery(t.r.URL.RawQuery); err == nil {
			for k, vs := range q {
				form[k] = append(form[k], vs...)
			}
		}
	}
	for k, vs := range form {
		if len(vs) > 1 {
			if !h.has(FlawRepeatedParamsOK) {
				return newErr(ErrInvalidRequest, "RFC 6749 section 3.2: parameter "+quote(k)+" is repeated")
			}
			form[k] = vs[:1]
		}
		if form.Get(k) == "" && !(k == "assertion" && h.has(FlawEmptyParamNotOmitted)) {
			delete(form, k) // RFC 6749 §3.2: sent without a value = omitted
		}
	}
	if h.has(FlawUnknownParamRejected) {
		for k := range form {
			if !knownParams[k] {
				return newErr(ErrInvalidRequest, "unrecognized parameter "+quote(k))
			}
		}
	}
	t.form = form
	return nil
}

func (h *handler) checkFormat(t *treq) *OAuthError {
	f := t.form.Get("format")
	switch f {
	case "", FormatJSON:
		t.format = FormatJSON
	case FormatURLEncoded, FormatXML:
		t.format = f
		if h.has(FlawFormatIgnored) {
			t.format = FormatJSON
		}
	default:
		if h.has(FlawFormatUnknown500) {
			e := newErr(ErrServerError, "no writer for response format "+quote(f))
			e.Status = http.StatusInternalServerError
			return e
		}
		return newErr(ErrInvalidRequest, "unsupported format "+quote(f)+" (json, urlencoded or xml)")
	}
	return nil
}

func (h *handler) checkGrantType(t *treq) *OAuthError {
	t.grant = t.form.Get("grant_type")
	if t.grant == "" && h.has(FlawGrantTypeDefaulted) {
		switch {
		case t.form.Has("assertion"):
			t.grant = GrantTypeJWTBearer
		case t.form.Has("client_assertion"):
			t.grant = GrantTypeClientCredentials
		}
	}
	switch t.grant {
	case "":
		return newErr(ErrInvalidRequest, "RFC 6749 section 4.4.2 and RFC 7521 section 4.1: grant_type is required")
	case GrantTypeJWTBearer, GrantTypeClientCredentials:
		if h.has(FlawScopeRequired) && !t.form.Has("scope") {
			return newErr(ErrInvalidScope, "scope is required")
		}
		return nil
	}
	if h.has(FlawUnsupportedGrantCode) {
		return newErr(ErrInvalidRequest, "grant_type "+quote(t.grant)+" is not supported")
	}
	return newErr(ErrUnsupportedGrantType, "RFC 6749 section 5.2: grant_type "+quote(t.grant)+" is not supported")
}

func (h *handler) checkAuthMethods(t *treq) *OAuthError {
	if a := t.r.Header.Get("Authorization"); a != "" {
		t.usedAuth = true
		t.authHdr, _, _ = strings.Cut(a, " ")
	}
	hasAssertion := t.form.Has("client_assertion") || t.form.Has("client_assertion_type")
	if hasAssertion && (t.usedAuth || t.form.Has("client_secret")) && !h.has(FlawTwoAuthMethodsOK) {
		return newErr(ErrInvalidRequest, "RFC 6749 section 2.3: the client used more than one authentication method")
	}
	return nil
}

// authenticateClient runs JWT client authentication when the request carries
// any client authentication. A failed client authentication fails the
// request, whatever the grant (RFC 6749 §3.2.1).
func (h *handler) authenticateClient(t *treq) *OAuthError {
	hasAssertion := t.form.Has("client_assertion") || t.form.Has("client_assertion_type")
	var err *OAuthError
	if h.has(FlawClientIDOnlyAuth) && t.grant == GrantTypeClientCredentials && t.form.Get("client_assertion") == "" && !t.usedAuth {
		if c, ok := h.v.clients[t.form.Get("client_id")]; ok && !c.Disabled {
			t.client = &Result{Client: c.Client, Method: registry.MethodPrivateKeyJWT, Subject: c.ID}
			return nil
		}
	}
	switch {
	case hasAssertion:
		err = h.clientAssertion(t)
	case t.usedAuth || t.form.Has("client_secret"):
		err = newErr(ErrInvalidClient, "RFC 6749 section 2.3: this server supports only JWT client authentication (private_key_jwt, client_secret_jwt)")
	case t.grant == GrantTypeClientCredentials:
		err = newErr(ErrInvalidClient, "RFC 6749 section 4.4.2: client_credentials requires client authentication")
	}
	if err == nil {
		return nil
	}
	if t.grant == GrantTypeJWTBearer && h.has(FlawGrantIgnoresClientAuth) {
		t.client = nil
		return nil
	}
	return err
}

func (h *handler) clientAssertion(t *treq) *OAuthError {
	typ := t.form.Get("client_assertion_type")
	if !h.has(FlawAssertionTypeIgnored) {
		if typ == "" {
			return newErr(ErrInvalidRequest, "RFC 7521 section 4.2: client_assertion_type is required with client_assertion")
		}
		if typ != ClientAssertionTypeJWT {
			return newErr(ErrInvalidRequest, "RFC 7521 section 4.2: client_assertion_type "+quote(typ)+" is not supported")
		}
	}
	a := t.form.Get("client_assertion")
	if a == "" {
		return newErr(ErrInvalidRequest, "RFC 7521 section 4.2: client_assertion is required")
	}
	if h.has(FlawClientIDRequired) && !t.form.Has("client_id") {
		return newErr(ErrInvalidRequest, "client_id is required with client_assertion")
	}
	res, err := h.v.verify(t.r.Context(), PurposeClientAuth, a, t.form.Get("client_id"))
	if err != nil {
		return err
	}
	t.client = res
	return nil
}

func (h *handler) checkGrant(t *treq) *OAuthError {
	if t.grant != GrantTypeJWTBearer {
		return nil
	}
	a, present := t.form["assertion"]
	if !present {
		return newErr(ErrInvalidRequest, "RFC 7521 section 4.1: the assertion parameter is required")
	}
	hint := t.form.Get("client_id")
	if t.client != nil {
		hint = t.client.Client.ID
	}
	res, err := h.v.verify(t.r.Context(), PurposeGrant, a[0], hint)
	if err != nil {
		return err
	}
	t.grantRes = res
	return nil
}

func (h *handler) checkClientID(t *treq) *OAuthError {
	id, ok := t.form["client_id"]
	if !ok || h.has(FlawClientIDMismatchOK) {
		return nil
	}
	switch {
	case t.client != nil:
		if id[0] != t.client.Client.ID {
			return newErr(ErrInvalidClient, "RFC 7521 section 4.2: client_id does not identify the client of the client assertion")
		}
	case t.grantRes != nil:
		if id[0] != t.grantRes.Client.ID {
			return newErr(ErrInvalidGrant, "RFC 7521 section 4.1: client_id does not identify the issuer of the assertion")
		}
	}
	return nil
}

// issue writes a success response (RFC 6749 §5.1).
func (h *handler) issue(t *treq) {
	var buf [32]byte
	_, _ = rand.Read(buf[:])
	tok := tokenResponse{
		AccessToken: base64.RawURLEncoding.EncodeToString(buf[:]),
		TokenType:   "Bearer",
		ExpiresIn:   int64(h.opts.TokenLifetime / time.Second),
		Scope:       t.form.Get("scope"),
	}
	h.writeToken(t, &tok)
}

func (h *handler) metadata(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	algs := make([]string, 0, len(supportedAlgs))
	for _, a := range supportedAlgs {
		algs = append(algs, string(a))
	}
	m := map[string]any{
		"token_endpoint":                                   h.opts.Audience,
		"grant_types_supported":                            []string{GrantTypeJWTBearer, GrantTypeClientCredentials},
		"token_endpoint_auth_methods_supported":            []string{string(registry.MethodPrivateKeyJWT), string(registry.MethodClientSecretJWT)},
		"token_endpoint_auth_signing_alg_values_supported": algs,
		"response_types_supported":                         []string{},
	}
	if h.opts.Issuer != "" {
		m["issuer"] = h.opts.Issuer
	}
	b, _ := json.Marshal(m)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
