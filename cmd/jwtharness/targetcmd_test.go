package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jwtharness/jwtharness/fixtures/fixtureset"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/suites"
)

// metadataServer serves body (with Content-Type application/json) at path
// on a loopback httptest server; any other path is 404. The issuer in body
// may use the placeholder ISSUER, replaced with the server's URL.
func metadataServer(t *testing.T, path string, body string) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(strings.ReplaceAll(body, "ISSUER", srv.URL)))
	}))
	t.Cleanup(srv.Close)
	return srv
}

const rfc8414Doc = `{
  "issuer": "ISSUER",
  "token_endpoint": "ISSUER/oauth2/token",
  "grant_types_supported": ["client_credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer"],
  "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_jwt", "tls_client_auth"],
  "token_endpoint_auth_signing_alg_values_supported": ["ES256", "RS256", "HS256", "ES512"],
  "dpop_signing_alg_values_supported": ["ES256"]
}`

// An OpenID provider without the bearer grant or client_secret_jwt.
const oidcDoc = `{
  "issuer": "ISSUER",
  "authorization_endpoint": "ISSUER/auth",
  "token_endpoint": "ISSUER/token",
  "jwks_uri": "ISSUER/jwks",
  "grant_types_supported": ["authorization_code", "client_credentials"],
  "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
  "token_endpoint_auth_signing_alg_values_supported": ["PS256"]
}`

func TestDiscoverShapes(t *testing.T) {
	tests := []struct {
		name      string
		path, doc string
		arg       func(base string) string
		want      []string // substrings of the drafted file
		notes     []string // substrings of the notes
		absent    []string
	}{
		{
			name: "RFC 8414 from the issuer", path: wellKnownOAuth, doc: rfc8414Doc,
			arg:  func(b string) string { return b },
			want: []string{"/oauth2/token\"", "jwt_bearer:\n    issuer: FILL-IN", "private_key_jwt:\n    client_id: FILL-IN", "alg: RS256", "client_secret_jwt:\n    client_id:", "alg: HS256", "# policy:\n#   algorithms: [ES256, RS256, HS256]", "# client_auth: {method: private_key_jwt", "# audience: "},
			notes: []string{"tls_client_auth", "DPoP", "ES512", "uncomment the client_auth line",
				"not per grant", "jwtharness token --target FILE --flow private_key_jwt", "the issuer identifier", "so the draft declares no policy: algorithms"},
			absent: []string{"\npolicy:", "\n  algorithms:"},
		},
		{
			name: "OpenID from the issuer (RFC 8414 404 first)", path: wellKnownOIDC, doc: oidcDoc,
			arg:    func(b string) string { return b },
			want:   []string{"jwt_bearer: {unsupported: true}", "client_secret_jwt: {unsupported: true}", "private_key_jwt:\n    client_id:", "alg: PS256"},
			notes:  []string{"grant type authorization_code", "client_secret_basic client authentication"},
			absent: []string{"jwt_bearer:\n    issuer"},
		},
		{
			name: "OpenID metadata URL given in full", path: wellKnownOIDC, doc: oidcDoc,
			arg:  func(b string) string { return b + wellKnownOIDC },
			want: []string{"OpenID Connect metadata at"},
		},
		{
			name: "RFC 8414 with an issuer path", path: wellKnownOAuth + "/tenant1", doc: strings.ReplaceAll(rfc8414Doc, `"ISSUER"`, `"ISSUER/tenant1"`),
			arg:  func(b string) string { return b + "/tenant1" },
			want: []string{`issuer: "http://127.0.0.1:`, `/tenant1"`},
		},
		{
			name: "no lists: RFC 8414 defaults (client_secret_basic, authorization_code)", path: wellKnownOAuth, doc: `{"issuer":"ISSUER","token_endpoint":"ISSUER/t"}`,
			arg:  func(b string) string { return b },
			want: []string{"jwt_bearer: {unsupported: true}", "private_key_jwt: {unsupported: true}", "client_secret_jwt: {unsupported: true}"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := metadataServer(t, tc.path, tc.doc)
			md, err := discoverMetadata(context.Background(), tc.arg(srv.URL))
			if err != nil {
				t.Fatalf("discover: %v", err)
			}
			text, notes := draftTarget(md)
			var nb bytes.Buffer
			notes.print(&nb)
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("drafted file lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tc.absent {
				if strings.Contains(text, w) {
					t.Errorf("drafted file has %q:\n%s", w, text)
				}
			}
			for _, w := range tc.notes {
				if !strings.Contains(nb.String(), w) {
					t.Errorf("notes lack %q:\n%s", w, nb.String())
				}
			}
		})
	}
}

func TestDiscoverErrors(t *testing.T) {
	huge := `{"issuer":"ISSUER","token_endpoint":"ISSUER/t","x":"` + strings.Repeat("a", discoveryMaxBytes) + `"}`
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(slow.Close)
	elsewhere := metadataServer(t, wellKnownOAuth, rfc8414Doc)
	redirect := httptest.NewServer(http.RedirectHandler(elsewhere.URL+wellKnownOAuth, http.StatusFound))
	t.Cleanup(redirect.Close)

	tests := []struct {
		name    string
		arg     string
		timeout time.Duration
		want    []string
	}{
		{"garbage", metadataServer(t, wellKnownOAuth, "<html>hello</html>").URL, time.Second, []string{wellKnownOAuth, "not a JSON object"}},
		{"array", metadataServer(t, wellKnownOAuth, `["issuer"]`).URL, time.Second, []string{"not a JSON object"}},
		{"wrong member type", metadataServer(t, wellKnownOAuth, `{"issuer":"ISSUER","token_endpoint":"ISSUER/t","grant_types_supported":"client_credentials"}`).URL, time.Second, []string{`"grant_types_supported" is a JSON string, want an array of strings`}},
		{"no token endpoint", metadataServer(t, wellKnownOAuth, `{"issuer":"ISSUER"}`).URL, time.Second, []string{`no "token_endpoint"`}},
		{"relative token endpoint", metadataServer(t, wellKnownOAuth, `{"issuer":"ISSUER","token_endpoint":"/token"}`).URL, time.Second, []string{`token_endpoint "/token" is not an absolute`}},
		{"issuer mismatch", metadataServer(t, wellKnownOAuth, `{"issuer":"https://other.example","token_endpoint":"ISSUER/t"}`).URL, time.Second, []string{`issuer "https://other.example" is not the issuer this URL names`, "RFC 8414 §3.3"}},
		{"huge", metadataServer(t, wellKnownOAuth, huge).URL, 5 * time.Second, []string{"larger than 1048576 bytes"}},
		{"404 on both", metadataServer(t, "/nothing", "{}").URL, time.Second, []string{"no metadata found", wellKnownOAuth + ": HTTP 404", wellKnownOIDC + ": HTTP 404"}},
		{"slow", slow.URL, 200 * time.Millisecond, []string{"no answer in time"}},
		{"redirect off-origin", redirect.URL, time.Second, []string{"leaves", "only same-origin redirects"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
			defer cancel()
			start := time.Now()
			_, err := discoverMetadata(ctx, tc.arg)
			if err == nil {
				t.Fatal("discover succeeded, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if d := time.Since(start); d > tc.timeout+2*time.Second {
				t.Errorf("took %s with a %s limit", d, tc.timeout)
			}
		})
	}
}

func TestDiscoverBadURLs(t *testing.T) {
	for _, arg := range []string{"ftp://x", "127.0.0.1:8443", "http://", "http://h/?q=1", "http://h/.well-known/webfinger"} {
		if _, err := metadataCandidates(arg); err == nil {
			t.Errorf("%q: accepted", arg)
		} else if !strings.Contains(err.Error(), "--discover") {
			t.Errorf("%q: error %q does not name --discover", arg, err)
		}
	}
}

// TestDiscoverReferenceServer reads the reference server's RFC 8414
// metadata, fills the drafted file's FILL-IN values with the keys of the
// fixture set the server registered, and runs the positive baseline of
// every flow against it: the drafted file loads and works.
func TestDiscoverReferenceServer(t *testing.T) {
	env, stop, err := suites.StartReference(context.Background(), suites.ReferenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	md, err := discoverMetadata(context.Background(), env.Target.Issuer)
	if err != nil {
		t.Fatalf("discover the reference server: %v", err)
	}
	if md.Kind != "RFC 8414" || md.TokenEndpoint != env.Target.TokenEndpoint {
		t.Fatalf("metadata %s, token endpoint %q; want RFC 8414, %q", md.Kind, md.TokenEndpoint, env.Target.TokenEndpoint)
	}
	text, _ := draftTarget(md)

	set, err := fixtureset.Shared()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := set.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	secret, err := os.ReadFile(filepath.Join(dir, "client-secret.secret"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("CLIENT_SECRET", strings.TrimSpace(string(secret)))
	filled := strings.NewReplacer(
		"FILL-IN-grant-issuer.key", "client-rsa.key",
		"FILL-IN-grant-issuer", "client-rsa",
		"FILL-IN-subject-the-issuer-may-not-assert", "mallory",
		"FILL-IN-subject", "alice",
		"FILL-IN-client-id", "client-rsa",
		"FILL-IN-client.key", "client-rsa.key",
		"FILL-IN-secret-client-id", "client-secret",
		"FILL-IN-a-key-the-server-does-not-know.key", "stranger.key",
	).Replace(text)
	for _, line := range strings.Split(filled, "\n") {
		if l := strings.TrimSpace(line); !strings.HasPrefix(l, "#") && strings.Contains(l, fillIn) {
			t.Fatalf("a placeholder is left: %q", line)
		}
	}
	path := filepath.Join(dir, "discovered.yaml")
	if err := os.WriteFile(path, []byte(filled), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := target.Load(path); err != nil {
		t.Fatalf("the drafted file, filled in, does not load: %v\n%s", err, filled)
	}
	if got := run([]string{"conform", "--target", path, "--case", "pos-baseline"}); got != ExitOK {
		t.Errorf("conform --case pos-baseline with the drafted file: exit %d\n%s", got, filled)
	}
}

// TestTargetInitCommand runs the command end to end: file written, notes
// printed, exit codes.
func TestTargetInitCommand(t *testing.T) {
	srv := metadataServer(t, wellKnownOAuth, rfc8414Doc)
	out := filepath.Join(t.TempDir(), "t.yaml")
	if got := run([]string{"target", "init", "--discover", srv.URL, "--out", out}); got != ExitOK {
		t.Fatalf("init: exit %d", got)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("init wrote %v (%v), want mode 0644", fi, err)
	}
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"exists without --force", []string{"target", "init", "--discover", srv.URL, "--out", out}, ExitUsage},
		{"--force", []string{"target", "init", "--discover", srv.URL, "--out", out, "--force"}, ExitOK},
		{"no --discover", []string{"target", "init"}, ExitUsage},
		{"bad URL", []string{"target", "init", "--discover", "ftp://x"}, ExitUsage},
		{"unreachable", []string{"target", "init", "--discover", strings.TrimSuffix(closedPort(t), "/token"), "--out", filepath.Join(t.TempDir(), "x.yaml")}, ExitIncomplete},
		{"help", []string{"target", "--help"}, ExitOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := run(tc.args); got != tc.want {
				t.Errorf("run(%q) = %d, want %d", tc.args, got, tc.want)
			}
		})
	}
}

// TestTargetHelpDocumentsKeys: `jwtharness target --help` prints the
// target-file reference, kid and the policy keys included.
func TestTargetHelpDocumentsKeys(t *testing.T) {
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"target", "--help"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"token_endpoint", "kid", "jwk", "client_auth", "unsupported", "max_lifetime", "policy", "audiences", "init --discover"} {
		if !strings.Contains(out.String(), key) {
			t.Errorf("target --help does not mention %q", key)
		}
	}
}
