package reference

import (
	"context"
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

// handler is the token endpoint.
type handler struct {
	v        *Verifier
	opts     Options
	log      *slog.Logger
	refusal  *logLimiter    // "token refused" lines per second
	steps    []requestStep  // requestPipeline, with the overrides of the injected flaws
	response []responseStep // responsePipeline, likewise
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
	h := &handler{v: v, opts: v.opts, log: v.opts.Logger, refusal: newLogLimiter(v.opts.RefusalLogRate),
		steps: requestSteps(v.opts.Flaws), response: responseSteps(v.opts.Flaws)}
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
	err      *OAuthError // the refusal, if the request is refused
}

// requestPipeline is the token request, in order (fosite style: one visible
// list). Everything before "client-auth" is cheap and happens before any
// signature is verified. A flaw overrides steps by name (seam.go).
var requestPipeline = []step[requestStep]{
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
	for _, step := range h.steps {
		if err := step(h, t); err != nil {
			t.err = err
			h.respond(t)
			h.logRequest(t, start, err)
			return
		}
	}
	h.respond(t)
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

func (h *handler) checkMethod(t *treq) *OAuthError {
	if t.r.Method == http.MethodPost {
		return nil
	}
	e := newErr(ErrInvalidRequest, "RFC 6749 section 3.2: the token endpoint only accepts POST")
	e.Status = http.StatusMethodNotAllowed
	e.Header = http.Header{"Allow": {http.MethodPost}}
	return e
}

func (h *handler) checkContentType(t *treq) *OAuthError {
	ct := t.r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil && mt == "application/x-www-form-urlencoded" {
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			return newErr(ErrInvalidRequest, "RFC 6749 appendix B: the form must be UTF-8, not charset "+quote(cs))
		}
		return nil
	}
	if ct == "" {
		return newErr(ErrInvalidRequest, "RFC 6749 section 3.2: Content-Type application/x-www-form-urlencoded is required")
	}
	return newErr(ErrInvalidRequest, "RFC 6749 section 3.2: the body must be application/x-www-form-urlencoded, not "+quote(ct))
}

func (h *handler) readBody(t *treq) *OAuthError {
	return h.readBodyUpTo(t, h.opts.MaxBodyBytes)
}

func (h *handler) readBodyUpTo(t *treq, limit int64) *OAuthError {
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
	if t.r.URL.RawQuery == "" {
		return nil
	}
	return newErr(ErrInvalidRequest, "RFC 6749 section 3.2: parameters must be sent in the request body, not in the URL query")
}

func (h *handler) parseForm(t *treq) *OAuthError {
	return h.parseFormWith(t, formRule{})
}

// formRule loosens parseFormWith (all off on a correct server).
type formRule struct {
	firstWins      bool // a repeated parameter keeps its first value
	emptyAssertion bool // an empty assertion is kept, not omitted
}

func (h *handler) parseFormWith(t *treq, r formRule) *OAuthError {
	form, err := url.ParseQuery(string(t.body))
	if err != nil {
		return newErr(ErrInvalidRequest, "the request body is not a valid form: "+sanitizeDesc(err.Error()))
	}
	for k, vs := range form {
		if len(vs) > 1 {
			if !r.firstWins {
				return newErr(ErrInvalidRequest, "RFC 6749 section 3.2: parameter "+quote(k)+" is repeated")
			}
			form[k] = vs[:1]
		}
		if form.Get(k) == "" && !(k == "assertion" && r.emptyAssertion) {
			delete(form, k) // RFC 6749 §3.2: sent without a value = omitted
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
	default:
		return newErr(ErrInvalidRequest, "unsupported format "+quote(f)+" (json, urlencoded or xml)")
	}
	return nil
}

func (h *handler) checkGrantType(t *treq) *OAuthError {
	t.grant = t.form.Get("grant_type")
	switch t.grant {
	case "":
		return newErr(ErrInvalidRequest, "RFC 6749 section 4.4.2 and RFC 7521 section 4.1: grant_type is required")
	case GrantTypeJWTBearer, GrantTypeClientCredentials:
		return nil
	}
	return newErr(ErrUnsupportedGrantType, "RFC 6749 section 5.2: grant_type "+quote(t.grant)+" is not supported")
}

func (h *handler) checkAuthMethods(t *treq) *OAuthError {
	noteAuthHeader(t)
	hasAssertion := t.form.Has("client_assertion") || t.form.Has("client_assertion_type")
	if hasAssertion && (t.usedAuth || t.form.Has("client_secret")) {
		return newErr(ErrInvalidRequest, "RFC 6749 section 2.3: the client used more than one authentication method")
	}
	return nil
}

// noteAuthHeader records whether an Authorization header was sent, and its
// scheme (for WWW-Authenticate on invalid_client).
func noteAuthHeader(t *treq) {
	if a := t.r.Header.Get("Authorization"); a != "" {
		t.usedAuth = true
		t.authHdr, _, _ = strings.Cut(a, " ")
	}
}

// authenticateClient runs JWT client authentication when the request carries
// any client authentication. A failed client authentication fails the
// request, whatever the grant (RFC 6749 §3.2.1).
func (h *handler) authenticateClient(t *treq) *OAuthError {
	switch {
	case t.form.Has("client_assertion") || t.form.Has("client_assertion_type"):
		return h.clientAssertion(t)
	case t.usedAuth || t.form.Has("client_secret"):
		return newErr(ErrInvalidClient, "RFC 6749 section 2.3: this server supports only JWT client authentication (private_key_jwt, client_secret_jwt)")
	case t.grant == GrantTypeClientCredentials:
		return newErr(ErrInvalidClient, "RFC 6749 section 4.4.2: client_credentials requires client authentication")
	}
	return nil
}

func (h *handler) clientAssertion(t *treq) *OAuthError {
	typ := t.form.Get("client_assertion_type")
	if typ == "" {
		return newErr(ErrInvalidRequest, "RFC 7521 section 4.2: client_assertion_type is required with client_assertion")
	}
	if typ != ClientAssertionTypeJWT {
		return newErr(ErrInvalidRequest, "RFC 7521 section 4.2: client_assertion_type "+quote(typ)+" is not supported")
	}
	a := t.form.Get("client_assertion")
	if a == "" {
		return newErr(ErrInvalidRequest, "RFC 7521 section 4.2: client_assertion is required")
	}
	res, err := h.v.Verify(withNamedClient(t.r.Context(), t.form.Get("client_id")), PurposeClientAuth, a)
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
	named := t.form.Get("client_id")
	if t.client != nil {
		named = t.client.Client.ID
	}
	res, err := h.v.Verify(withNamedClient(t.r.Context(), named), PurposeGrant, a[0])
	if err != nil {
		return err
	}
	t.grantRes = res
	return nil
}

func (h *handler) checkClientID(t *treq) *OAuthError {
	id, ok := t.form["client_id"]
	if !ok {
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

// namedClientKey carries, in the context handed to Verify, the client the
// request names besides the assertion (the client_id parameter, or the
// client that authenticated). The correct verifier never reads it: an
// assertion is judged by its own iss. Flaws that take the client from the
// request instead read it with namedClient.
type namedClientKey struct{}

func withNamedClient(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, namedClientKey{}, id)
}

func namedClient(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	id, _ := ctx.Value(namedClientKey{}).(string)
	return id
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
