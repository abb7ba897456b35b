package driver

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
)

// A JWT-shaped assertion: header {"alg":"RS256"}, payload {"iss":"c"}, signature.
const testJWT = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJjIn0.c2lnbmF0dXJlLXNlY3JldC1ieXRlcw"

func newClient(t *testing.T, url string, timeout time.Duration) *Client {
	t.Helper()
	c, err := NewClient(Options{Endpoint: url, Timeout: timeout, MaxBodySize: 64 << 10, Secrets: []string{"hunter2-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDoAgainstMisbehavingServers(t *testing.T) {
	big := strings.Repeat("x", 200<<10)
	cases := []struct {
		name      string
		handler   http.HandlerFunc
		timeout   time.Duration
		wantErr   bool
		timeoutOK bool
		status    int
		issued    bool
		errCode   string
		format    string
		truncated bool
		parseErr  bool
		field     [2]string
	}{
		{
			name: "json success",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json;charset=UTF-8")
				io.WriteString(w, `{"access_token":"tok-123456","token_type":"Bearer","expires_in":3600}`)
			},
			status: 200, issued: true, format: FormatJSON, field: [2]string{"expires_in", "3600"},
		},
		{
			name: "json error",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(400)
				io.WriteString(w, `{"error":"invalid_grant","error_description":"aud"}`)
			},
			status: 400, errCode: "invalid_grant", format: FormatJSON, field: [2]string{"error_description", "aud"},
		},
		{
			name: "urlencoded",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
				io.WriteString(w, `access_token=abc-token&token_type=Bearer&expires_in=3600`)
			},
			status: 200, issued: true, format: FormatURLEncoded, field: [2]string{"token_type", "Bearer"},
		},
		{
			name: "xml",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/xml")
				io.WriteString(w, `<?xml version="1.0"?><OAuth><access_token>abc-token</access_token><token_type>Bearer</token_type></OAuth>`)
			},
			status: 200, issued: true, format: FormatXML, field: [2]string{"token_type", "Bearer"},
		},
		{
			name: "garbage body labelled json",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(400)
				io.WriteString(w, "\x00\xffnot json{{")
			},
			status: 400, format: FormatJSON, parseErr: true,
		},
		{
			name: "non-json content type, json body sniffed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(400)
				io.WriteString(w, `{"error":"invalid_client"}`)
			},
			status: 400, errCode: "invalid_client", format: FormatJSON,
		},
		{
			name: "html error page",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(502)
				io.WriteString(w, "<html><body><h1>Bad gateway</h1>")
			},
			status: 502, format: FormatXML, parseErr: true,
		},
		{
			name: "plain text",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(500)
				io.WriteString(w, "internal error, sorry")
			},
			status: 500, parseErr: true,
		},
		{
			name: "huge body truncated",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"access_token":"`+big+`"}`)
			},
			status: 200, format: FormatJSON, truncated: true, parseErr: true,
		},
		{
			name: "slow server times out",
			handler: func(w http.ResponseWriter, r *http.Request) {
				io.ReadAll(r.Body) // so the server notices the client hanging up
				select {
				case <-time.After(5 * time.Second):
				case <-r.Context().Done():
				}
			},
			timeout: 150 * time.Millisecond, wantErr: true, timeoutOK: true,
		},
		{
			name: "slow body times out after headers",
			handler: func(w http.ResponseWriter, r *http.Request) {
				io.ReadAll(r.Body)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(200)
				io.WriteString(w, `{"access_token":`)
				w.(http.Flusher).Flush()
				select {
				case <-time.After(5 * time.Second):
				case <-r.Context().Done():
				}
			},
			timeout: 150 * time.Millisecond, wantErr: true, timeoutOK: true, status: 200, format: FormatJSON, parseErr: true,
		},
		{
			name: "redirect is not followed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/elsewhere" {
					io.WriteString(w, `{"access_token":"stolen"}`)
					return
				}
				http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
			},
			status: 307,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			c := newClient(t, srv.URL+"/token", timeout)
			ex := c.Do(context.Background(), &Request{Params: Form("grant_type", GrantTypeJWTBearer, "assertion", testJWT)})
			if ex == nil {
				t.Fatal("Do returned nil")
			}
			if got := ex.Err != nil; got != tc.wantErr {
				t.Fatalf("Err = %v, want error %v", ex.Err, tc.wantErr)
			}
			if tc.timeoutOK {
				var te *TransportError
				if !errors.As(ex.Err, &te) || !te.Timeout {
					t.Errorf("Err = %v, want a timeout TransportError", ex.Err)
				}
				if ex.Duration > 2*time.Second {
					t.Errorf("Duration = %v, want about the timeout", ex.Duration)
				}
			}
			if ex.Status != tc.status {
				t.Errorf("Status = %d, want %d", ex.Status, tc.status)
			}
			if ex.Issued() != tc.issued {
				t.Errorf("Issued() = %v, want %v", ex.Issued(), tc.issued)
			}
			if ex.ErrorCode() != tc.errCode {
				t.Errorf("ErrorCode() = %q, want %q", ex.ErrorCode(), tc.errCode)
			}
			if ex.Format != tc.format {
				t.Errorf("Format = %q, want %q", ex.Format, tc.format)
			}
			if ex.Truncated != tc.truncated {
				t.Errorf("Truncated = %v, want %v", ex.Truncated, tc.truncated)
			}
			if tc.truncated && len(ex.Body) != 64<<10 {
				t.Errorf("len(Body) = %d, want the limit", len(ex.Body))
			}
			if (ex.ParseErr != nil) != tc.parseErr {
				t.Errorf("ParseErr = %v, want error %v", ex.ParseErr, tc.parseErr)
			}
			if tc.field[0] != "" && ex.Field(tc.field[0]) != tc.field[1] {
				t.Errorf("Field(%q) = %q, want %q", tc.field[0], ex.Field(tc.field[0]), tc.field[1])
			}
			tr := ex.Transcript()
			if strings.Contains(tr, "c2lnbmF0dXJl") {
				t.Errorf("transcript shows the assertion signature:\n%s", tr)
			}
			if ex.String() == "" {
				t.Error("String() is empty")
			}
		})
	}
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newClient(t, "http://"+addr+"/token", time.Second)
	ex := c.Do(context.Background(), &Request{})
	if ex.Err == nil || ex.Status != 0 {
		t.Fatalf("got status %d err %v, want a transport error", ex.Status, ex.Err)
	}
	err = c.Ping(context.Background())
	want := "cannot reach token endpoint http://" + addr + "/token: connection refused"
	if err == nil || err.Error() != want {
		t.Fatalf("Ping() = %v, want %q", err, want)
	}
}

func TestPingAnyHTTPAnswerIsReachable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusTeapot)
	}))
	defer srv.Close()
	if err := newClient(t, srv.URL, time.Second).Ping(context.Background()); err != nil {
		t.Fatalf("Ping() = %v, want nil", err)
	}
}

func TestPingNotHTTP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			io.WriteString(conn, "SSH-2.0-OpenSSH_9.0\r\n\r\n")
			conn.Close()
		}
	}()
	err = newClient(t, "http://"+ln.Addr().String(), time.Second).Ping(context.Background())
	// It accepted the connection: not "cannot reach", but what it did.
	if err == nil || !strings.Contains(err.Error(), "answered with something that is not HTTP") || strings.Contains(err.Error(), "cannot reach") {
		t.Fatalf("Ping() = %v, want a not-HTTP error", err)
	}
}

func TestRequestShape(t *testing.T) {
	var got *http.Request
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, body = r, string(b)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"the-access-token","token_type":"Bearer"}`)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL+"/token", time.Second)
	req := &Request{
		Params: Form("a", "1", "a", "2", "client_secret", "hunter2-secret", "client_assertion", testJWT),
		Query:  Form("q", "x y"),
		Header: http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}},
	}
	ex := c.Do(context.Background(), req)
	if ex.Err != nil {
		t.Fatal(ex.Err)
	}
	if got.Method != http.MethodPost || got.URL.RawQuery != "q=x+y" {
		t.Errorf("sent %s ?%s", got.Method, got.URL.RawQuery)
	}
	if ct := got.Header.Get("Content-Type"); ct != FormContentType {
		t.Errorf("Content-Type = %q", ct)
	}
	if want := "a=1&a=2&client_secret=hunter2-secret&client_assertion=" + testJWT; body != want {
		t.Errorf("body = %q, want %q", body, want)
	}
	tr := ex.Transcript()
	for _, leak := range []string{"hunter2-secret", "dXNlcjpwYXNz", "the-access-token", "c2lnbmF0dXJl"} {
		if strings.Contains(tr, leak) {
			t.Errorf("transcript leaks %q:\n%s", leak, tr)
		}
	}
	for _, want := range []string{"> POST " + srv.URL + "/token?q=x+y", "Authorization: Basic REDACTED",
		"client_secret=REDACTED", "client_assertion=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJjIn0.SIGNATURE-REDACTED", "< HTTP 200 OK"} {
		if !strings.Contains(tr, want) {
			t.Errorf("transcript lacks %q:\n%s", want, tr)
		}
	}

	// A raw body wins over Params; the secret is redacted in it too.
	ex = c.Do(context.Background(), &Request{Body: []byte(`{"client_secret":"hunter2-secret"}`), ContentType: "application/json", Params: Form("x", "y")})
	if body != `{"client_secret":"hunter2-secret"}` || got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("raw body sent as %q (%s)", body, got.Header.Get("Content-Type"))
	}
	if strings.Contains(ex.Transcript(), "hunter2-secret") {
		t.Errorf("transcript leaks the secret:\n%s", ex.Transcript())
	}

	// GET without params sends no body.
	c.Do(context.Background(), &Request{Method: http.MethodGet, Query: Form("grant_type", "x")})
	if got.Method != http.MethodGet || body != "" {
		t.Errorf("GET sent %s with body %q", got.Method, body)
	}
}

func TestRequestEditing(t *testing.T) {
	r := &Request{Params: Form("a", "1", "b", "2", "a", "3")}
	c := r.Clone()
	c.Set("a", "9").Add("c", "4").Del("b")
	if got := EncodeParams(c.Params); got != "a=9&c=4" {
		t.Errorf("edited = %q", got)
	}
	if got := EncodeParams(r.Params); got != "a=1&b=2&a=3" {
		t.Errorf("original changed: %q", got)
	}
	if r.Get("a") != "1" || r.Has("z") || !r.Has("b") {
		t.Error("Get/Has")
	}
	if got := Form("x"); len(got) != 1 || got[0] != (Param{Name: "x"}) {
		t.Errorf("Form(odd) = %v", got)
	}
}

func TestFlowRequest(t *testing.T) {
	tg := &target.Target{
		TokenEndpoint: "http://127.0.0.1/token",
		Params:        map[string][]string{"scope": {"read"}, "grant_type": {"ignored"}},
		Flows: map[fixtures.Flow]*target.FlowConfig{
			fixtures.FlowJWTBearer: {Credential: &fixtures.Credential{ClientID: "client-rsa", Subject: "alice"}},
			fixtures.FlowPrivateKeyJWT: {Credential: &fixtures.Credential{ClientID: "client-ec"},
				Alternates: []*fixtures.Credential{{ClientID: "client-rsa"}}},
			fixtures.FlowClientSecretJWT: {Credential: &fixtures.Credential{ClientID: "client-secret", Secret: []byte("s3cret-value")}},
		},
	}
	cases := []struct {
		flow    fixtures.Flow
		want    string
		secrets int
	}{
		{fixtures.FlowJWTBearer, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=A&scope=read", 0},
		{fixtures.FlowPrivateKeyJWT, "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=A&client_id=client-ec&scope=read", 0},
		{fixtures.FlowClientSecretJWT, "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=A&client_id=client-secret&scope=read", 1},
	}
	for _, tc := range cases {
		r := FlowRequest(tg, tc.flow, "A")
		if got := EncodeParams(r.Params); got != tc.want {
			t.Errorf("%s: form = %s\nwant %s", tc.flow, got, tc.want)
		}
		if len(r.Secrets) != tc.secrets {
			t.Errorf("%s: secrets = %d, want %d", tc.flow, len(r.Secrets), tc.secrets)
		}
	}
}

func TestFlowRequestClientIDFollowsAlternateIssuer(t *testing.T) {
	tg := &target.Target{Flows: map[fixtures.Flow]*target.FlowConfig{
		fixtures.FlowPrivateKeyJWT: {Credential: &fixtures.Credential{ClientID: "client-ec"},
			Alternates: []*fixtures.Credential{{ClientID: "client-rsa"}}},
	}}
	jwt := func(payload string) string {
		return "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".c2ln"
	}
	cases := []struct{ assertion, want string }{
		{jwt(`{"iss":"client-rsa"}`), "client-rsa"},
		{jwt(`{"iss":"client-ec"}`), "client-ec"},
		{jwt(`{"iss":"CLIENT-RSA"}`), "client-ec"},
		{jwt(`{"iss":"someone-else"}`), "client-ec"},
		{jwt(`{"iss":7}`), "client-ec"},
		{"not a jwt", "client-ec"},
	}
	for _, tc := range cases {
		if got := FlowRequest(tg, fixtures.FlowPrivateKeyJWT, tc.assertion).Get("client_id"); got != tc.want {
			t.Errorf("%s: client_id = %q, want %q", tc.assertion, got, tc.want)
		}
	}
}

func TestNewClientRejectsBadEndpoint(t *testing.T) {
	for _, u := range []string{"", "ftp://x/token", "127.0.0.1:8443/token", "http:///token"} {
		if _, err := NewClient(Options{Endpoint: u}); err == nil {
			t.Errorf("NewClient(%q) succeeded", u)
		}
	}
}

func TestDoNeverPanics(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:1/token", 100*time.Millisecond)
	if ex := c.Do(context.Background(), nil); ex == nil || ex.Err == nil {
		t.Fatalf("Do(nil) = %+v", ex)
	}
	if ex := c.Do(context.Background(), &Request{Method: "BAD METHOD"}); ex.Err == nil {
		t.Fatal("bad method: no error")
	}
	var nilEx *Exchange
	_ = nilEx.ErrorCode() + nilEx.Transcript() + nilEx.String()
}

func TestTranscriptSample(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(400)
		io.WriteString(w, `{"error":"invalid_grant","error_description":"aud does not name this token endpoint"}`)
	}))
	defer srv.Close()
	ex := newClient(t, srv.URL+"/token", time.Second).Do(context.Background(), &Request{Params: Form("grant_type", GrantTypeJWTBearer, "assertion", testJWT)})
	t.Logf("%s\n%s", ex, ex.Transcript())
}

func TestTranscriptRedactsShortTokensByShape(t *testing.T) {
	for _, tc := range []struct{ ct, body, leak, want string }{
		{"application/json", `{"access_token":"ab1","refresh_token": "r\"2","token_type":"Bearer"}`, `ab1`,
			`{"access_token":"REDACTED","refresh_token": "REDACTED","token_type":"Bearer"}`},
		{"application/x-www-form-urlencoded", `access_token=ab1&token_type=Bearer`, `ab1`, `access_token=REDACTED&token_type=Bearer`},
		{"application/json", `{"payload":"eyJpc3MiOiJjIn0","signatures":[{"protected":"eyJhbGciOiJSUzI1NiJ9","signature":"ab1"}]}`, `ab1`,
			`{"payload":"eyJpc3MiOiJjIn0","signatures":[{"protected":"eyJhbGciOiJSUzI1NiJ9","signature":"SIGNATURE-REDACTED"}]}`},
		{"application/xml", `<r><access_token>ab1</access_token><id_token a="b">x.y.z</id_token></r>`, `ab1`,
			`<r><access_token>REDACTED</access_token><id_token a="b">REDACTED</id_token></r>`},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", tc.ct)
			io.WriteString(w, tc.body)
		}))
		tr := newClient(t, srv.URL, time.Second).Do(context.Background(), &Request{}).Transcript()
		srv.Close()
		if strings.Contains(tr, tc.leak) || strings.Contains(tr, `r\"2`) || strings.Contains(tr, "x.y.z") {
			t.Errorf("%s: transcript leaks a token:\n%s", tc.ct, tr)
		}
		if !strings.Contains(tr, "< "+tc.want+"\n") {
			t.Errorf("%s: transcript body is not\n%s\n%s", tc.ct, tc.want, tr)
		}
	}
}
