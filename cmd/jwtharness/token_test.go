package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/suites/catalog"
	"github.com/jwtharness/jwtharness/suites/driver"
)

// caseWithoutMutation returns a catalog case that no single mutated
// assertion makes (or "" when every case has one).
// caseWithoutMutation is a case token --case cannot send: neither a
// fixtures mutation nor a driver request edit.
func caseWithoutMutation() string {
	for _, c := range catalog.All() {
		if _, edit := driver.LookupRequestEdit(c.ID); c.Mutation == "" && !edit {
			return c.ID
		}
	}
	return ""
}

func TestTokenExitCodes(t *testing.T) {
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html>welcome to nginx</html>")
	}))
	defer garbage.Close()
	errorPage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream timed out", http.StatusBadGateway)
	}))
	defer errorPage.Close()
	garbageTarget := writeTarget(t, garbage.URL+"/token")
	errorTarget := writeTarget(t, errorPage.URL+"/token")
	unreachable := writeTarget(t, closedPort(t))
	good := flawedServer(t) // no flaw: a correct server behind a target file

	tests := []struct {
		name string
		args []string
		want int
	}{
		{"embedded bearer grant", []string{"--flow", "jwt_bearer"}, ExitOK},
		{"embedded client_secret_jwt, xml", []string{"--flow", "client-hs", "--format", "xml", "--param", "scope=read"}, ExitOK},
		{"target file, private_key_jwt", []string{"--target", good, "--flow", "private_key_jwt"}, ExitOK},
		{"target file, alternate alg", []string{"--target", good, "--flow", "private_key_jwt", "--alg", "PS256"}, ExitOK},
		{"mutation refused", []string{"--target", good, "--flow", "jwt_bearer", "--mutation", "aud-wrong"}, ExitGateFailed},
		{"case repro refused", []string{"--target", good, "--case", "aud-wrong"}, ExitGateFailed},
		{"case for the wrong flow", []string{"--case", "aud-wrong", "--flow", "nope"}, ExitUsage},
		{"unknown case", []string{"--case", "no-such-case"}, ExitUsage},
		{"unknown mutation", []string{"--mutation", "no-such-mutation"}, ExitUsage},
		{"unknown flow", []string{"--flow", "password"}, ExitUsage},
		{"unknown alg", []string{"--alg", "XS256"}, ExitUsage},
		{"alg without credential", []string{"--flow", "client_secret_jwt", "--alg", "RS256"}, ExitUsage},
		{"bad format", []string{"--format", "yaml"}, ExitUsage},
		{"bad param", []string{"--param", "novalue"}, ExitUsage},
		{"unreachable", []string{"--target", unreachable}, ExitIncomplete},
		{"garbage 200", []string{"--target", garbageTarget}, ExitGateFailed},
		{"502 page", []string{"--target", errorTarget}, ExitGateFailed},
	}
	if id := caseWithoutMutation(); id != "" {
		tests = append(tests, struct {
			name string
			args []string
			want int
		}{"case needing the full harness", []string{"--case", id}, ExitUsage})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"token"}, tc.args...)
			if got := run(args); got != tc.want {
				t.Fatalf("run(%q) = %d, want %d", args, got, tc.want)
			}
		})
	}
}

func TestTokenOutput(t *testing.T) {
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{not json")
	}))
	defer garbage.Close()
	garbageTarget := writeTarget(t, garbage.URL+"/token")
	endpoint := closedPort(t)
	unreachable := writeTarget(t, endpoint)
	tests := []struct {
		name    string
		f       tokenFlags
		out     []string
		err     string
		notShow []string
	}{
		{name: "issued, redacted", f: tokenFlags{flow: "client_secret_jwt"},
			out: []string{"> POST http://127.0.0.1:", "client_assertion=eyJ", ".SIGNATURE-REDACTED", `"access_token":"REDACTED"`, "# issued: HTTP 200"}},
		{name: "unreachable", f: tokenFlags{target: unreachable, flow: "jwt_bearer"},
			err: "cannot reach token endpoint " + endpoint + ": connection refused"},
		{name: "garbage", f: tokenFlags{target: garbageTarget, flow: "jwt_bearer"},
			err: "HTTP 200 but no access_token in the answer: the body (9 bytes, Content-Type \"application/json\") cannot be read"},
	}
	if id := caseWithoutMutation(); id != "" {
		tests = append(tests, struct {
			name    string
			f       tokenFlags
			out     []string
			err     string
			notShow []string
		}{name: "full-harness case", f: tokenFlags{flow: "jwt_bearer", caseID: id}, out: []string{"jwtharness conform --target <target.yaml> --case " + id}})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := runToken(context.Background(), &out, &tc.f, tc.f.caseID == "")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
			} else if tc.f.caseID == "" && err != nil {
				t.Fatalf("err = %v\n%s", err, out.String())
			}
			for _, w := range tc.out {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// TestTokenUnsupportedFlow: for a flow declared unsupported, token sends the
// probe and exits 0 on a clean refusal, 1 when a token is issued.
func TestTokenUnsupportedFlow(t *testing.T) {
	good := flawedServer(t)
	tg, err := target.Load(good)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(good)
	write := func(name, flow string) string {
		p := filepath.Join(dir, name)
		y := "token_endpoint: " + tg.TokenEndpoint + "\nissuer: " + tg.Issuer + "\nflows:\n  client_secret_jwt: " + flow + "\n"
		if err := os.WriteFile(p, []byte(y), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	refused := write("unsupported.yaml", "{unsupported: true}")
	issued := write("wrongly-unsupported.yaml", "{unsupported: true, client_id: client-secret, secret_file: client-secret.secret}")
	for _, tc := range []struct {
		name, path string
		want       int
	}{{"clean refusal", refused, ExitOK}, {"issued", issued, ExitGateFailed}} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"token", "--target", tc.path, "--flow", "client_secret_jwt"}
			if got := run(args); got != tc.want {
				t.Fatalf("run(%q) = %d, want %d", args, got, tc.want)
			}
		})
	}
}
