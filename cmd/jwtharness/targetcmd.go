package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
)

// The `target` command: the target file's reference (`target --help`) and
// `target init --discover URL`, which reads RFC 8414 or OpenID Connect
// discovery metadata and writes a target file prefilled from it.

const (
	wellKnownOAuth = "/.well-known/oauth-authorization-server" // RFC 8414 §3
	wellKnownOIDC  = "/.well-known/openid-configuration"       // OpenID Connect Discovery 1.0 §4

	grantTypeJWTBearer   = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	grantTypeClientCreds = "client_credentials"

	// discoveryMaxBytes caps a metadata document; real ones are a few KiB.
	discoveryMaxBytes = 1 << 20
	// discoveryMaxRedirects caps same-origin redirects.
	discoveryMaxRedirects = 5

	// fillIn marks every value the user still must provide.
	fillIn = "FILL-IN"
)

func newTargetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "target",
		Short: "Describe the target file, or write one from a server's discovery metadata",
		Long: `A target file tells jwtharness what the token endpoint under test offers and
how its clients are registered. Every key is listed below.

  jwtharness target init --discover URL [--out FILE]

writes a target file prefilled from the server's RFC 8414 or OpenID Connect
discovery metadata and says what is left to fill in.

` + targetReference(),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newTargetInitCmd())
	return cmd
}

type targetInitFlags struct {
	discover string
	out      string
	force    bool
	timeout  time.Duration
}

func newTargetInitCmd() *cobra.Command {
	f := &targetInitFlags{}
	cmd := &cobra.Command{
		Use:   "init --discover URL [--out FILE]",
		Short: "Write a target file prefilled from RFC 8414 / OpenID discovery metadata",
		Long: `init --discover URL fetches the server's authorization server metadata and
writes a target file prefilled from it: token endpoint, issuer, the
private_key_jwt and client_secret_jwt flows (declared, or unsupported: true
when token_endpoint_auth_methods_supported lacks them), the JWT bearer grant
(declared when grant_types_supported lists
urn:ietf:params:oauth:grant-type:jwt-bearer, else unsupported: true), and the
client flows' algorithm from token_endpoint_auth_signing_alg_values_supported.
That list is about client-authentication JWTs (RFC 8414 §2), not the bearer
grant, so it is written as a comment, never as a policy: algorithms for the
whole file.

URL is the issuer identifier (then RFC 8414's
/.well-known/oauth-authorization-server is tried first, OpenID's
/.well-known/openid-configuration second) or the full URL of a metadata
document. As RFC 8414 §3.3 requires, the metadata's issuer must be identical
to the issuer the URL names.

It prints what the metadata promises that the target file does not cover
(for example tls_client_auth or DPoP), what you still must fill in: client
ids, keys and secrets, marked ` + fillIn + ` in the file, and what metadata
cannot say: for which grants an authentication method is offered (it is listed
for the server as a whole), and whether the grant's aud is the token endpoint
or the issuer identifier; check those with jwtharness token. Keys are never
fetched.

The fetch is bounded: --timeout, at most 1 MiB, and redirects only within the
same origin.`,
		Example: `  jwtharness target init --discover https://as.example --out target.yaml
  jwtharness target init --discover http://127.0.0.1:8443/.well-known/oauth-authorization-server`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runTargetInit(cmd, f) },
	}
	cmd.Flags().StringVar(&f.discover, "discover", "", "issuer identifier or metadata URL to read (required)")
	cmd.Flags().StringVar(&f.out, "out", "", "write the target file here (default: standard output)")
	cmd.Flags().BoolVar(&f.force, "force", false, "overwrite --out if it exists")
	cmd.Flags().DurationVar(&f.timeout, "timeout", 10*time.Second, "limit for fetching the metadata")
	return cmd
}

func runTargetInit(cmd *cobra.Command, f *targetInitFlags) error {
	if f.discover == "" {
		return usageErr(errors.New("target init: --discover URL is required (the server's issuer identifier or metadata URL)"))
	}
	if f.timeout <= 0 {
		return usageErr(fmt.Errorf("--timeout %s: must be positive", f.timeout))
	}
	if f.out != "" && !f.force {
		if _, err := os.Stat(f.out); err == nil {
			return usageErr(fmt.Errorf("--out %s: file exists (use --force to overwrite)", f.out))
		}
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
	defer cancel()
	md, err := discoverMetadata(ctx, f.discover)
	if err != nil {
		var ue *discoverURLError
		if errors.As(err, &ue) {
			return usageErr(err)
		}
		return incompleteErr(err)
	}
	text, notes := draftTarget(md)
	notesTo := cmd.OutOrStdout()
	if f.out == "" {
		if _, err := io.WriteString(cmd.OutOrStdout(), text); err != nil {
			return incompleteErr(err)
		}
		notesTo = cmd.ErrOrStderr()
	} else {
		if err := fixtures.WriteFileMode(f.out, []byte(text), 0o644); err != nil {
			return incompleteErr(fmt.Errorf("--out %s: %w", f.out, err))
		}
		fmt.Fprintf(notesTo, "wrote %s from %s metadata at %s\n", f.out, md.Kind, md.Source)
	}
	notes.print(notesTo)
	return nil
}

// discoverURLError is a --discover value that is not a usable URL (exit 2,
// not 3: nothing was fetched).
type discoverURLError struct{ err error }

func (e *discoverURLError) Error() string { return e.err.Error() }
func (e *discoverURLError) Unwrap() error { return e.err }

// serverMetadata is the part of RFC 8414 §2 / OpenID Discovery §3 metadata
// that a target file uses or reports on.
type serverMetadata struct {
	Issuer             string   `json:"issuer"`
	TokenEndpoint      string   `json:"token_endpoint"`
	GrantTypes         []string `json:"grant_types_supported"`
	AuthMethods        []string `json:"token_endpoint_auth_methods_supported"`
	AuthSigningAlgs    []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	DPoPAlgs           []string `json:"dpop_signing_alg_values_supported"`
	TLSBoundTokens     bool     `json:"tls_client_certificate_bound_access_tokens"`
	MTLSEndpointAlias  any      `json:"mtls_endpoint_aliases"`
	RequirePAR         bool     `json:"require_pushed_authorization_requests"`
	GrantTypesDeclared bool     `json:"-"`
	AuthMethodsDecl    bool     `json:"-"`

	Kind   string `json:"-"` // "RFC 8414" or "OpenID Connect"
	Source string `json:"-"` // the URL the document came from
}

// metadataCandidate is one URL to try and the issuer it implies.
type metadataCandidate struct {
	url, issuer, kind string
}

// metadataCandidates turns --discover into the URLs to try, in order. A URL
// whose path contains a well-known suffix is used as is; otherwise it is an
// issuer identifier: RFC 8414 §3 inserts the well-known string between host
// and path, OpenID Discovery §4 appends it.
func metadataCandidates(raw string) ([]metadataCandidate, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, &discoverURLError{fmt.Errorf("--discover %q: %w", raw, err)}
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &discoverURLError{fmt.Errorf("--discover %q: want an http:// or https:// URL with a host", raw)}
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, &discoverURLError{fmt.Errorf("--discover %q: an issuer identifier has no query or fragment (RFC 8414 §2)", raw)}
	}
	origin := u.Scheme + "://" + u.Host
	p := strings.TrimSuffix(u.EscapedPath(), "/")
	if strings.HasPrefix(p, wellKnownOAuth) {
		return []metadataCandidate{{origin + p, origin + strings.TrimPrefix(p, wellKnownOAuth), "RFC 8414"}}, nil
	}
	if strings.HasSuffix(p, wellKnownOIDC) {
		return []metadataCandidate{{origin + p, origin + strings.TrimSuffix(p, wellKnownOIDC), "OpenID Connect"}}, nil
	}
	if strings.Contains(p, "/.well-known/") {
		return nil, &discoverURLError{fmt.Errorf("--discover %q: unknown well-known document (want %s or %s)", raw, wellKnownOAuth, wellKnownOIDC)}
	}
	issuer := origin + p
	return []metadataCandidate{
		{origin + wellKnownOAuth + p, issuer, "RFC 8414"},
		{issuer + wellKnownOIDC, issuer, "OpenID Connect"},
	}, nil
}

// discoverMetadata fetches and validates the first metadata document that
// answers. The errors of every attempt are kept, so a failure says what was
// tried and what was wrong with each.
func discoverMetadata(ctx context.Context, raw string) (*serverMetadata, error) {
	cands, err := metadataCandidates(raw)
	if err != nil {
		return nil, err
	}
	client := discoveryClient()
	var errs []error
	for _, c := range cands {
		md, err := fetchMetadata(ctx, client, c)
		if err == nil {
			return md, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 1 {
		return nil, fmt.Errorf("discovery: %w", errs[0])
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return nil, fmt.Errorf("discovery: no metadata found:\n  %s", strings.Join(msgs, "\n  "))
}

// discoveryClient follows redirects only within the origin of the first
// request, at most discoveryMaxRedirects times. Proxies come from the
// environment as for any Go HTTP client.
func discoveryClient() *http.Client {
	return &http.Client{
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > discoveryMaxRedirects {
				return fmt.Errorf("more than %d redirects", discoveryMaxRedirects)
			}
			first := via[0].URL
			if req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
				return fmt.Errorf("redirect to %s leaves %s://%s (only same-origin redirects are followed)", req.URL.Redacted(), first.Scheme, first.Host)
			}
			return nil
		},
	}
}

func fetchMetadata(ctx context.Context, client *http.Client, c metadataCandidate) (*serverMetadata, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.url, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "jwtharness")
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: no answer in time: %w", c.url, ctx.Err())
		}
		return nil, fmt.Errorf("%s: %w", c.url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, fmt.Errorf("%s: HTTP %d, want 200 with the %s metadata", c.url, resp.StatusCode, c.kind)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, discoveryMaxBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: body not read in time: %w", c.url, ctx.Err())
		}
		return nil, fmt.Errorf("%s: reading the body: %w", c.url, err)
	}
	if len(body) > discoveryMaxBytes {
		return nil, fmt.Errorf("%s: metadata larger than %d bytes", c.url, discoveryMaxBytes)
	}
	md, err := parseMetadata(body)
	if err != nil {
		ct := resp.Header.Get("Content-Type")
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
			return nil, fmt.Errorf("%s: Content-Type %q, not application/json: %w", c.url, ct, err)
		}
		return nil, fmt.Errorf("%s: %w", c.url, err)
	}
	md.Kind, md.Source = c.kind, c.url
	// RFC 8414 §3.3 / OpenID Discovery §4.3: the issuer MUST be identical
	// to the one the URL was formed from, else the data MUST NOT be used.
	if md.Issuer != c.issuer {
		return nil, fmt.Errorf("%s: metadata issuer %q is not the issuer this URL names, %q (RFC 8414 §3.3: the metadata must not be used)", c.url, md.Issuer, c.issuer)
	}
	return md, nil
}

// parseMetadata decodes a metadata document and checks the members a target
// file is built from; an error names the member and what is wrong with it.
func parseMetadata(body []byte) (*serverMetadata, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("metadata is not a JSON object: %w", err)
	}
	md := &serverMetadata{}
	if err := json.Unmarshal(body, md); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("metadata member %q is a JSON %s, want %s", te.Field, te.Value, jsonKind(te.Type.String()))
		}
		return nil, fmt.Errorf("metadata: %w", err)
	}
	_, md.GrantTypesDeclared = raw["grant_types_supported"]
	_, md.AuthMethodsDecl = raw["token_endpoint_auth_methods_supported"]
	if md.Issuer == "" {
		return nil, errors.New(`metadata has no "issuer" (REQUIRED, RFC 8414 §2)`)
	}
	if md.TokenEndpoint == "" {
		return nil, errors.New(`metadata has no "token_endpoint" (RFC 8414 §2: REQUIRED unless only the implicit grant is supported)`)
	}
	if u, err := url.Parse(md.TokenEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("metadata token_endpoint %q is not an absolute http(s) URL", md.TokenEndpoint)
	}
	return md, nil
}

func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array of strings"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "a boolean"
	}
	return goType
}

// discoveryNotes is what init tells the user beside the file.
type discoveryNotes struct {
	notCovered []string // promised by the metadata, not covered by the target
	fillIn     []string // still to be provided by the user
	cannotSay  []string // what the draft guesses because metadata cannot say it
}

func (n discoveryNotes) print(w io.Writer) {
	if len(n.notCovered) > 0 {
		fmt.Fprintln(w, "\nThe metadata promises, and this target file does not cover:")
		for _, s := range n.notCovered {
			fmt.Fprintln(w, "  - "+s)
		}
	}
	if len(n.fillIn) > 0 {
		fmt.Fprintln(w, "\nYou still must fill in (marked "+fillIn+" in the file):")
		for _, s := range n.fillIn {
			fmt.Fprintln(w, "  - "+s)
		}
	}
	if len(n.cannotSay) > 0 {
		fmt.Fprintln(w, "\nThe metadata cannot say (check before you rely on the draft):")
		for _, s := range n.cannotSay {
			fmt.Fprintln(w, "  - "+s)
		}
	}
}

// Client authentication methods: the two that are flows of their own, and
// the ones a bearer grant request can carry (target client_auth methods).
var grantClientAuthMethods = []string{"private_key_jwt", "client_secret_basic", "client_secret_post", "client_secret_jwt", "none"}

// supportedAlgs is what the fixtures can sign with, as JWS names.
func supportedAlgs() map[string]bool {
	m := map[string]bool{}
	for _, a := range fixtures.SignatureAlgorithms {
		m[string(a)] = true
	}
	return m
}

// pickAlg chooses the flow's algorithm from the metadata's list: the first
// one of want that the server lists, else the first of want (the list is
// optional; RS256 and HS256 are the usual defaults).
func pickAlg(listed []string, want ...string) string {
	for _, w := range want {
		if slices.Contains(listed, w) {
			return w
		}
	}
	return want[0]
}

var (
	asymmetricPreference = []string{"RS256", "ES256", "PS256", "EdDSA", "ES384", "RS384", "RS512", "PS384", "PS512"}
	hmacPreference       = []string{"HS256", "HS384", "HS512"}
)

// draftTarget renders the target file text for md and the notes to print.
// Values the metadata cannot give are FILL-IN placeholders; a flow the
// metadata says the server does not offer is declared unsupported: true, so
// its cases collapse to one verdict (a clean refusal).
func draftTarget(md *serverMetadata) (string, discoveryNotes) {
	var n discoveryNotes
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }

	methods := md.AuthMethods
	if !md.AuthMethodsDecl {
		methods = []string{"client_secret_basic"} // RFC 8414 §2 default
	}
	grants := md.GrantTypes
	if !md.GrantTypesDeclared {
		grants = []string{"authorization_code", "implicit"} // RFC 8414 §2 default
	}
	offersPK := slices.Contains(methods, "private_key_jwt")
	offersHS := slices.Contains(methods, "client_secret_jwt")
	offersGrant := slices.Contains(grants, grantTypeJWTBearer)
	clientCreds := slices.Contains(grants, grantTypeClientCreds)

	w("# jwtharness target file, drafted by `jwtharness target init --discover` from the")
	w("# %s metadata at %s.", md.Kind, md.Source)
	w("# Values marked %s are yours to provide; `jwtharness target --help` documents every key.", fillIn)
	w("token_endpoint: %s", yamlString(md.TokenEndpoint))
	w("issuer: %s", yamlString(md.Issuer))
	w("# audience: %s   # the aud of a valid assertion; default token_endpoint. Some servers want the issuer identifier (then also policy: audiences: issuer)", yamlString(md.Issuer))
	w("profile: rfc7523                # rfc7523bis if client assertions must carry the issuer as aud")
	w("# leeway: 60s                   # the clock skew the server allows, when you know it")

	var algs, unknownAlgs []string
	known := supportedAlgs()
	for _, a := range md.AuthSigningAlgs {
		if known[a] {
			algs = append(algs, a)
		} else if a != "none" {
			unknownAlgs = append(unknownAlgs, a)
		}
	}
	if len(algs) > 0 {
		// RFC 8414 §2: the algorithms of the JWTs that authenticate a
		// client at the token endpoint, not those of a bearer grant: a
		// policy: algorithms from it would declare the grant stricter
		// than it may be.
		w("# token_endpoint_auth_signing_alg_values_supported lists the algorithms of client-authentication")
		w("# JWTs (RFC 8414 §2), not of the jwt_bearer grant. Declare them only if the grant takes the same:")
		w("# policy:")
		w("#   algorithms: [%s]", strings.Join(algs, ", "))
	}

	w("flows:")
	// jwt_bearer
	if offersGrant {
		method := ""
		for _, m := range grantClientAuthMethods {
			if slices.Contains(methods, m) {
				method = m
				break
			}
		}
		w("  jwt_bearer:")
		w("    issuer: %s-grant-issuer        # the iss your assertions carry (not a client_id)", fillIn)
		w("    subject: %s-subject", fillIn)
		w("    private_key: %s-grant-issuer.key  # or jwk: FILE (+ kid); the server holds its public key", fillIn)
		w("    alg: %s                      # a guess: metadata lists no algorithms for the grant", pickAlg(md.AuthSigningAlgs, asymmetricPreference...))
		w("    forbidden_subject: %s-subject-the-issuer-may-not-assert", fillIn)
		n.fillIn = append(n.fillIn, "jwt_bearer: the grant issuer, its private key (private_key or jwk), a subject it may assert and one it may not")
		n.cannotSay = append(n.cannotSay, "jwt_bearer aud: the token endpoint (the draft's default) or the issuer identifier "+md.Issuer+" (then audience: and policy: audiences: issuer); check with `jwtharness token --target FILE --flow jwt_bearer`")
		if len(md.AuthSigningAlgs) > 0 {
			n.cannotSay = append(n.cannotSay, "jwt_bearer algorithms: token_endpoint_auth_signing_alg_values_supported is about client-authentication JWTs (RFC 8414 §2), so the draft declares no policy: algorithms")
		}
		// RFC 7521 §4.1 and RFC 7523 §2.1 leave client authentication with
		// the grant optional, and metadata cannot say whether the server
		// requires it: suggest the first method the grant can carry.
		switch method {
		case "":
			n.notCovered = append(n.notCovered, fmt.Sprintf("jwt_bearer client authentication by %s (client_auth takes %s)", strings.Join(methods, ", "), strings.Join(grantClientAuthMethods, ", ")))
		case "none":
			w("    # client_auth: {method: client_id, client_id: %s-grant-client}   # if the server wants the public client named", fillIn)
		case "private_key_jwt":
			w("    # client_auth: {method: private_key_jwt, client_id: %s-grant-client, private_key: %s-grant-client.key, alg: %s}", fillIn, fillIn, pickAlg(md.AuthSigningAlgs, asymmetricPreference...))
		case "client_secret_jwt":
			w("    # client_auth: {method: client_secret_jwt, client_id: %s-grant-client, secret: ${GRANT_CLIENT_SECRET}, alg: %s}", fillIn, pickAlg(md.AuthSigningAlgs, hmacPreference...))
		default:
			w("    # client_auth: {method: %s, client_id: %s-grant-client, secret: ${GRANT_CLIENT_SECRET}}", method, fillIn)
		}
		if method != "" {
			n.fillIn = append(n.fillIn, "jwt_bearer client_auth: whether the server wants the client authenticated with the grant (the metadata cannot say; node-oidc-provider does): uncomment the client_auth line")
		}
	} else {
		w("  jwt_bearer: {unsupported: true}   # grant_types_supported does not list %s", grantTypeJWTBearer)
	}
	// private_key_jwt
	if offersPK {
		w("  private_key_jwt:")
		w("    client_id: %s-client-id", fillIn)
		w("    private_key: %s-client.key        # or jwk: FILE (+ kid); register the public key with the server", fillIn)
		w("    alg: %s                      # from token_endpoint_auth_signing_alg_values_supported", pickAlg(md.AuthSigningAlgs, asymmetricPreference...))
		n.fillIn = append(n.fillIn, "private_key_jwt: a registered client_id and its private key (private_key or jwk)")
	} else {
		w("  private_key_jwt: {unsupported: true}   # token_endpoint_auth_methods_supported does not list it")
	}
	// client_secret_jwt
	if offersHS {
		w("  client_secret_jwt:")
		w("    client_id: %s-secret-client-id", fillIn)
		w("    secret: ${CLIENT_SECRET}           # or secret_file: FILE")
		w("    alg: %s                      # from token_endpoint_auth_signing_alg_values_supported", pickAlg(md.AuthSigningAlgs, hmacPreference...))
		n.fillIn = append(n.fillIn, "client_secret_jwt: a registered client_id; its secret in $CLIENT_SECRET (or secret_file)")
	} else {
		w("  client_secret_jwt: {unsupported: true}   # token_endpoint_auth_methods_supported does not list it")
	}
	if offersPK || offersHS {
		var listed []string
		if offersPK {
			listed = append(listed, "private_key_jwt")
		}
		if offersHS {
			listed = append(listed, "client_secret_jwt")
		}
		n.cannotSay = append(n.cannotSay, fmt.Sprintf("token_endpoint_auth_methods_supported lists %s for the server as a whole, not per grant; jwtharness sends client assertions with grant_type=client_credentials: check with `jwtharness token --target FILE --flow %s`, and declare the flow unsupported: true if the server authenticates it only on other grants",
			strings.Join(listed, " and "), listed[0]))
	}
	if (offersPK || offersHS) && md.GrantTypesDeclared && !clientCreds {
		n.notCovered = append(n.notCovered, "client authentication flows are sent with grant_type=client_credentials, which grant_types_supported does not list: add params: or expect refusals")
	}
	if offersPK || offersHS || offersGrant {
		w("unregistered_key: %s-a-key-the-server-does-not-know.key", fillIn)
		w("# other_client: {client_id: ..., private_key: ...}   # a second registered client, for the cross-client cases")
		n.fillIn = append(n.fillIn, "unregistered_key: any private key the server does not know (jwtharness fixtures makes one)")
		n.fillIn = append(n.fillIn, "optional: other_client, restricted_client, rotating_client and the policy: keys (leeway, max_lifetime, iat_required, jti_required, audiences, strict_requests, grant_client_auth_checked) to turn their cases on")
	}

	// What the metadata promises beyond the target file.
	for _, m := range methods {
		switch m {
		case "private_key_jwt", "client_secret_jwt":
		case "tls_client_auth", "self_signed_tls_client_auth":
			n.notCovered = append(n.notCovered, m+" (RFC 8705 mutual-TLS client authentication)")
		case "client_secret_basic", "client_secret_post", "none":
			if !offersGrant {
				n.notCovered = append(n.notCovered, m+" client authentication (not an assertion flow)")
			}
		default:
			n.notCovered = append(n.notCovered, m+" client authentication")
		}
	}
	if len(unknownAlgs) > 0 {
		n.notCovered = append(n.notCovered, "signing algorithms jwtharness cannot sign with: "+strings.Join(unknownAlgs, ", "))
	}
	if slices.Contains(md.AuthSigningAlgs, "none") {
		n.notCovered = append(n.notCovered, `token_endpoint_auth_signing_alg_values_supported lists "none" (RFC 8414 §2 forbids it; the alg-none cases test that it is refused)`)
	}
	if len(md.DPoPAlgs) > 0 {
		n.notCovered = append(n.notCovered, "DPoP (RFC 9449) proofs: "+strings.Join(md.DPoPAlgs, ", "))
	}
	if md.TLSBoundTokens || md.MTLSEndpointAlias != nil {
		n.notCovered = append(n.notCovered, "certificate-bound access tokens / mTLS endpoint aliases (RFC 8705)")
	}
	for _, g := range grants {
		switch g {
		case grantTypeJWTBearer, grantTypeClientCreds:
		default:
			n.notCovered = append(n.notCovered, "grant type "+g)
		}
	}
	return b.String(), n
}

// yamlString quotes s when YAML could read it as something else.
func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// targetReference is the documentation of every target-file key, printed
// by `jwtharness target --help`, with a complete example.
func targetReference() string {
	return target.Reference + "\nExample:\n\n" + indent(target.ReferenceExample, "  ")
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}
