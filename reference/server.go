package reference

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Server is a reference token server on a loopback port, shaped like
// httptest.Server.
type Server struct {
	// URL is the base URL, http://127.0.0.1:port (no trailing slash).
	URL string
	// TokenURL is URL + "/token", the default accepted aud.
	TokenURL string
	// Issuer is the issuer identifier in effect (Options.Issuer or URL).
	Issuer string
	// Verifier is the server's verifier (shared replay cache).
	Verifier *Verifier

	opts     Options
	listener net.Listener
	srv      *http.Server
	done     chan struct{}
}

// NewServer starts a reference server on 127.0.0.1:0 (falling back to
// [::1]:0). Audience defaults to TokenURL and Issuer to URL.
func NewServer(opts Options) (*Server, error) {
	s, err := NewUnstartedServer(opts)
	if err != nil {
		return nil, err
	}
	s.Start()
	return s, nil
}

// NewUnstartedServer binds the loopback listener and builds the handler but
// does not serve until Start.
func NewUnstartedServer(opts Options) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		if l, err = net.Listen("tcp6", "[::1]:0"); err != nil {
			return nil, fmt.Errorf("reference: listen on loopback: %w", err)
		}
	}
	base := "http://" + l.Addr().String()
	if opts.Audience == "" {
		opts.Audience = base + TokenPath
	}
	if opts.Issuer == "" {
		opts.Issuer = base
	}
	if opts.TokenEndpoint == "" {
		opts.TokenEndpoint = base + TokenPath
	}
	v, err := NewVerifier(opts)
	if err != nil {
		l.Close()
		return nil, err
	}
	return &Server{
		URL: base, TokenURL: base + TokenPath, Issuer: v.opts.Issuer, Verifier: v,
		opts: v.opts, listener: l, done: make(chan struct{}),
		srv: &http.Server{Handler: newHandler(v), ReadHeaderTimeout: 10 * time.Second},
	}, nil
}

// Start serves in the background.
func (s *Server) Start() {
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(s.listener)
	}()
}

// Client returns an HTTP client for the server: bounded in time, no redirects.
func (s *Server) Client() *http.Client {
	return &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Options returns the effective options.
func (s *Server) Options() Options { return s.opts }

// Close shuts the server down gracefully, waiting up to 5 s for in-flight
// requests, then closes what is left.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		_ = s.srv.Close()
	}
	select {
	case <-s.done:
	case <-time.After(time.Second):
	}
}
