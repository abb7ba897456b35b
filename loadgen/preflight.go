package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// The pre-flight: one valid exchange, judged as the run will judge it,
// before anything else is spent.

// PreflightError is a pre-flight exchange that did not bring a token.
type PreflightError struct {
	URL     string
	Status  int     // 0: no HTTP answer
	Outcome Outcome // what the exchange counts as
	Why     string  // what was wrong, in words
	Answer  string  // the first bytes of the body, token values redacted
	Err     error   // the transport error, if any
}

func (e *PreflightError) Error() string {
	if e.Status == 0 {
		if e.Err != nil {
			return fmt.Sprintf("pre-flight: a valid request to %s got no answer (%s): %v", e.URL, e.Why, e.Err)
		}
		return fmt.Sprintf("pre-flight: a valid request to %s got no answer: %s", e.URL, e.Why)
	}
	msg := fmt.Sprintf("pre-flight: a valid request to %s was answered %d, which is not a token: %s", e.URL, e.Status, e.Why)
	if e.Err != nil {
		msg += fmt.Sprintf(" (%v)", e.Err)
	}
	if e.Answer != "" {
		msg += "; body: " + e.Answer
	}
	return msg
}

// Preflight sends one request with net/http and judges its answer as
// the run will (judge): it must be a complete, parseable token response,
// or in raw mode a 2xx. Otherwise it returns a *PreflightError naming what
// was wrong, with the first bytes of the answer (token values redacted),
// so a broken setup is reported with the server's own words before a run
// starts.
func Preflight(ctx context.Context, ep *Endpoint, body []byte, raw bool) error {
	hc := &http.Client{Timeout: ep.Timeout, Transport: &http.Transport{TLSClientConfig: ep.TLS, Proxy: nil, MaxResponseHeaderBytes: MaxHeaderBytes},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer hc.CloseIdleConnections()
	method := ep.Method
	if method == "" {
		method = http.MethodPost
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	url := ep.URL.Redacted()
	req, err := http.NewRequestWithContext(ctx, method, ep.URL.String(), rd)
	if err != nil {
		return &PreflightError{URL: url, Err: err}
	}
	if ep.ContentType != "" {
		req.Header.Set("Content-Type", ep.ContentType)
		req.Header.Set("Accept", "application/json")
	}
	req.Header.Set("User-Agent", "jwtharness")
	for k, vs := range ep.Header {
		req.Header[k] = vs
	}
	var a answer
	_, err = readNet(hc, req, &a)
	j := judge(&a, raw)
	if j.Outcome == OutcomeIssued {
		return nil
	}
	why := j.Why
	if m := tlsMismatch(ep, &a, err); m != "" {
		why = m
	}
	return &PreflightError{URL: url, Status: a.status, Outcome: j.Outcome, Why: why, Answer: excerpt(a.body), Err: err}
}

// tlsMismatch names a TLS / plain HTTP mismatch between the URL's scheme
// and what the endpoint speaks, "" when there is none to see.
func tlsMismatch(ep *Endpoint, a *answer, err error) string {
	switch {
	case ep.URL.Scheme == "https" && err != nil && (strings.Contains(err.Error(), "does not look like a TLS handshake") ||
		strings.Contains(err.Error(), "gave HTTP response to HTTPS client")):
		return "TLS/plain HTTP mismatch: the URL says https but the endpoint answers plain HTTP (use http://)"
	case ep.URL.Scheme == "http" && a.status == http.StatusBadRequest && bytes.Contains(a.body, []byte("HTTP request to an HTTPS server")):
		return "TLS/plain HTTP mismatch: the URL says http but the endpoint speaks TLS (use https://)"
	}
	return ""
}

// secretValue matches the value of a token member in JSON, urlencoded or
// XML, so an excerpt never shows one.
var secretValue = regexp.MustCompile(`((?:access_token|refresh_token|id_token)(?:"\s*:\s*"|=|>))[^"&<]*`)

// excerpt is the first 512 bytes of a body, token values redacted,
// control characters escaped.
func excerpt(b []byte) string {
	cut := len(b) > 512
	if cut {
		b = b[:512]
	}
	s := secretValue.ReplaceAllString(string(b), "${1}REDACTED")
	s = strconv.Quote(s)
	s = s[1 : len(s)-1]
	if cut {
		s += "…"
	}
	return s
}
