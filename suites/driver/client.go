package driver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"time"

	"github.com/jwtharness/jwtharness/fixtures/target"
)

// Defaults of a Client.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxBodySize = 1 << 20 // 1 MiB
)

// Options configure a Client built without a target file.
type Options struct {
	// Endpoint is the token endpoint URL. Required.
	Endpoint string
	// HTTPClient sends the requests; nil means a fresh client. Redirects are
	// never followed, whatever its CheckRedirect says.
	HTTPClient *http.Client
	// Timeout bounds each request, body included; zero means DefaultTimeout.
	Timeout time.Duration
	// MaxBodySize bounds how much of a response body is read; zero means
	// DefaultMaxBodySize.
	MaxBodySize int64
	// Secrets are redacted from every transcript (client secrets).
	Secrets []string
}

// Client sends token requests to one endpoint. It is safe for concurrent use.
type Client struct {
	endpoint string
	hc       *http.Client
	timeout  time.Duration
	maxBody  int64
	secrets  []string
	breaker  breaker
}

// New returns a client for the target's token endpoint, using its TLS
// settings and per-request timeout, and redacting its client secrets.
func New(t *target.Target) (*Client, error) {
	if t == nil {
		return nil, errors.New("driver: nil target")
	}
	hc, err := t.HTTPClient()
	if err != nil {
		return nil, fmt.Errorf("driver: %w", err)
	}
	var secrets []string
	for _, fc := range t.Flows {
		if fc == nil {
			continue
		}
		if fc.Credential != nil && len(fc.Credential.Secret) > 0 {
			secrets = append(secrets, string(fc.Credential.Secret))
		}
		for _, a := range fc.Alternates {
			if a != nil && len(a.Secret) > 0 {
				secrets = append(secrets, string(a.Secret))
			}
		}
	}
	return NewClient(Options{
		Endpoint:   t.TokenEndpoint,
		HTTPClient: hc,
		Timeout:    t.Timeout,
		Secrets:    secrets,
	})
}

// NewClient returns a client configured by o.
func NewClient(o Options) (*Client, error) {
	u, err := url.Parse(o.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("driver: token endpoint %q is not an http(s) URL", o.Endpoint)
	}
	var hc http.Client
	if o.HTTPClient != nil {
		hc = *o.HTTPClient
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	hc.Timeout = 0 // the per-request context bounds time, body read included
	c := &Client{endpoint: o.Endpoint, hc: &hc, timeout: o.Timeout, maxBody: o.MaxBodySize, secrets: o.Secrets}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxBodySize
	}
	return c, nil
}

// Endpoint is the token endpoint URL.
func (c *Client) Endpoint() string { return c.endpoint }

// Timeout is the per-request time limit.
func (c *Client) Timeout() time.Duration { return c.timeout }

// Do sends r and returns what happened. It never panics and never returns
// nil: a transport failure is in Exchange.Err. Each request is bounded by
// the client's timeout (and ctx), the body read by the size limit, and
// redirects are returned, not followed.
func (c *Client) Do(ctx context.Context, r *Request) (ex *Exchange) {
	if r == nil {
		r = &Request{}
	}
	ex = &Exchange{Request: r, URL: r.URL, secrets: c.secrets, Header: http.Header{}, Fields: map[string]string{}}
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			ex.Err = fmt.Errorf("driver: panic while sending the request: %v", p)
		}
		if ex.Duration == 0 {
			ex.Duration = time.Since(start)
		}
	}()
	if ex.URL == "" {
		ex.URL = c.endpoint
	}
	if len(r.Query) > 0 {
		sep := "?"
		if strings.Contains(ex.URL, "?") {
			sep = "&"
		}
		ex.URL += sep + EncodeParams(r.Query)
	}
	var body []byte
	contentType := r.ContentType
	switch {
	case r.Body != nil:
		body = r.Body
	case len(r.Params) > 0 || r.method() == http.MethodPost:
		body = []byte(EncodeParams(r.Params))
		if contentType == "" {
			contentType = FormContentType
		}
	}
	ex.sentBody = body

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method(), ex.URL, rd)
	if err != nil {
		ex.Err = fmt.Errorf("cannot build request: %w", err)
		return ex
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("User-Agent", "jwtharness")
	for k, vs := range r.Header {
		req.Header.Del(k)
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if h := req.Header.Get("Host"); h != "" {
		req.Host = h
	}
	ex.sentHeader = req.Header.Clone()

	var stage stage
	req = req.WithContext(httptrace.WithClientTrace(ctx, stage.trace()))
	if err := c.breaker.check(); err != nil {
		ex.Err = err
		return ex
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		ex.Duration = time.Since(start)
		ex.Err = c.classify(ctx, err, &stage, false, 0)
		c.breaker.record(ex.Err)
		return ex
	}
	defer resp.Body.Close()
	ex.Status = resp.StatusCode
	ex.Header = resp.Header
	ex.Body, err = io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if int64(len(ex.Body)) > c.maxBody {
		ex.Body = ex.Body[:c.maxBody]
		ex.Truncated = true
	}
	ex.Duration = time.Since(start)
	if te := tlsPortAnswer(req, resp, ex.Body); te != nil {
		// The TLS layer of the server answered, not its token endpoint
		// (and usually reset the connection, the request body unread).
		ex.Status, ex.Header, ex.Body, ex.Err = 0, http.Header{}, nil, te
	} else if err != nil {
		ex.Err = c.classify(ctx, err, &stage, true, len(ex.Body))
	}
	c.breaker.record(ex.Err)
	ex.parseBody()
	return ex
}
