package driver

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
)

// Kind names how a request failed to get a complete HTTP answer.
type Kind string

// Transport failure kinds. Only KindUnreachable means the endpoint could
// not be reached; every other kind is an endpoint that accepted the
// connection and then misbehaved.
const (
	KindUnreachable Kind = "unreachable"  // no connection: refused, no such host, unreachable, connect timeout
	KindTimeout     Kind = "timeout"      // connected, but no answer within the timeout
	KindStalled     Kind = "stalled"      // the headers came, the body did not complete in time
	KindClosed      Kind = "closed"       // connected, then closed or reset before a complete answer
	KindNotHTTP     Kind = "not-http"     // answered with bytes that are not HTTP
	KindTLSMismatch Kind = "tls-mismatch" // TLS to a plain HTTP port, or plain HTTP to a TLS port
	KindTLS         Kind = "tls"          // TLS handshake or certificate failure
	KindStopped     Kind = "stopped"      // not sent: the client's limits stopped the run
	KindCanceled    Kind = "canceled"     // the caller canceled
	KindOther       Kind = "other"
)

// TransportError is a request that got no (complete) HTTP answer.
type TransportError struct {
	Reason  string // one human sentence: "connection refused"
	Kind    Kind
	Timeout bool // the request ran out of time (KindTimeout, KindStalled or a connect timeout)
	Err     error
}

func (e *TransportError) Error() string { return e.Reason }
func (e *TransportError) Unwrap() error { return e.Err }

// KindOf is the Kind of a transport error, or "" when err is not one.
func KindOf(err error) Kind {
	var te *TransportError
	if errors.As(err, &te) {
		return te.Kind
	}
	return ""
}

// stage records how far a request got, from httptrace callbacks.
type stage struct {
	connected atomic.Bool // a TCP connection was established (or reused)
	firstByte atomic.Bool // a response byte arrived
}

func (s *stage) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		ConnectDone: func(_, _ string, err error) {
			if err == nil {
				s.connected.Store(true)
			}
		},
		GotConn:              func(httptrace.GotConnInfo) { s.connected.Store(true) },
		GotFirstResponseByte: func() { s.firstByte.Store(true) },
	}
}

// classify turns a transport error into a TransportError with one clear
// sentence. afterHeaders is set when the error came while reading the
// body, of which bodyBytes had arrived.
func (c *Client) classify(ctx context.Context, err error, st *stage, afterHeaders bool, bodyBytes int) *TransportError {
	connected := st.connected.Load() || afterHeaders
	te := &TransportError{Err: err}
	timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, os.ErrDeadlineExceeded)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		timedOut = true
	}
	switch {
	case timedOut && afterHeaders && bodyBytes == 0:
		te.Kind, te.Timeout = KindStalled, true
		te.Reason = fmt.Sprintf("connected, but the endpoint stopped answering after the headers (no body within %s)", c.timeout)
	case timedOut && afterHeaders:
		te.Kind, te.Timeout = KindStalled, true
		te.Reason = fmt.Sprintf("connected, but the body did not complete within %s (%d bytes arrived)", c.timeout, bodyBytes)
	case timedOut && connected:
		te.Kind, te.Timeout = KindTimeout, true
		te.Reason = fmt.Sprintf("connected, but no answer within %s", c.timeout)
		if st.firstByte.Load() {
			te.Reason = fmt.Sprintf("connected, but the answer's headers did not complete within %s", c.timeout)
		}
	case timedOut:
		te.Kind, te.Timeout = KindUnreachable, true
		te.Reason = fmt.Sprintf("no connection within %s", c.timeout)
	case errors.Is(err, context.Canceled):
		te.Kind, te.Reason = KindCanceled, "canceled"
	default:
		te.Kind, te.Reason = explain(err, connected)
	}
	return te
}

// explain classifies an error that is not a timeout.
func explain(err error, connected bool) (Kind, string) {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recErr tls.RecordHeaderError
	msg := err.Error()
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return KindUnreachable, "connection refused"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return KindUnreachable, "host unreachable"
	case errors.As(err, &dnsErr):
		return KindUnreachable, "no such host " + dnsErr.Name
	case errors.Is(err, http.ErrSchemeMismatch),
		errors.As(err, &recErr) && bytes.HasPrefix(recErr.RecordHeader[:], []byte("HTTP/")):
		return KindTLSMismatch, "TLS/plain HTTP mismatch: the endpoint speaks plain HTTP, use http://"
	case errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &certErr):
		return KindTLS, "TLS certificate not trusted: " + msg
	case errors.As(err, &recErr):
		return KindTLS, "TLS handshake failed: the endpoint did not answer with TLS"
	case strings.Contains(msg, "malformed HTTP") && tlsRecordQuoted(msg):
		return KindTLSMismatch, "TLS/plain HTTP mismatch: the endpoint speaks TLS, use https://"
	case strings.Contains(msg, "malformed HTTP"):
		return KindNotHTTP, "connected, but the endpoint answered with something that is not HTTP: " + shorten(msg, 200)
	case strings.Contains(msg, "readLoopPeekFailLocked"):
		// net/http: bytes arrived on the connection before the request went out
		return KindNotHTTP, "connected, but the endpoint answered with something that is not HTTP: it sent bytes before the request"
	case strings.Contains(msg, "server closed idle connection"):
		return KindClosed, "connected, but the endpoint closed the connection before a complete answer"
	case !connected && (errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)):
		return KindUnreachable, "connection closed while connecting"
	case errors.Is(err, syscall.ECONNRESET):
		return KindClosed, "connected, but the endpoint reset the connection before a complete answer"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return KindClosed, "connected, but the endpoint closed the connection before a complete answer"
	case !connected:
		return KindUnreachable, msg
	}
	return KindOther, msg
}

// tlsRecordQuoted reports whether a "malformed HTTP response" message
// quotes bytes that start a TLS record (alert or handshake, version 3.x):
// what a TLS server sends to a client speaking plain HTTP.
func tlsRecordQuoted(msg string) bool {
	return strings.Contains(msg, `"\x15\x03`) || strings.Contains(msg, `"\x16\x03`)
}

// tlsPortAnswer recognizes the answer TLS servers give to a plain HTTP
// request on their port (Go: "Client sent an HTTP request to an HTTPS
// server.", nginx: "The plain HTTP request was sent to HTTPS port").
func tlsPortAnswer(req *http.Request, resp *http.Response, body []byte) *TransportError {
	if req.URL.Scheme != "http" || resp.StatusCode != http.StatusBadRequest || len(body) > 4<<10 {
		return nil
	}
	b := string(body)
	if !strings.Contains(b, "HTTP request to an HTTPS server") && !strings.Contains(b, "plain HTTP request was sent to HTTPS port") {
		return nil
	}
	return &TransportError{Kind: KindTLSMismatch,
		Reason: fmt.Sprintf("TLS/plain HTTP mismatch: the endpoint speaks TLS, use https:// (it answered HTTP 400 %q)", shorten(strings.TrimSpace(b), 120))}
}

// Explain reduces a transport error to its cause in a few words:
// "connection refused", "no such host example.invalid", "TLS: ...".
func Explain(err error) string {
	var te *TransportError
	if errors.As(err, &te) {
		return te.Reason
	}
	_, reason := explain(err, false)
	return reason
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
