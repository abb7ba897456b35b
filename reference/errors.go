package reference

import (
	"net/http"
	"strings"
)

// The error codes of RFC 6749 §5.2 (and temporarily_unavailable, §4.1.2.1,
// used only when the replay cache is full of live entries).
const (
	ErrInvalidRequest         = "invalid_request"
	ErrInvalidClient          = "invalid_client"
	ErrInvalidGrant           = "invalid_grant"
	ErrUnauthorizedClient     = "unauthorized_client"
	ErrUnsupportedGrantType   = "unsupported_grant_type"
	ErrInvalidScope           = "invalid_scope"
	ErrServerError            = "server_error"
	ErrTemporarilyUnavailable = "temporarily_unavailable"
)

// OAuthError is a token endpoint error response (RFC 6749 §5.2).
type OAuthError struct {
	// Code is the RFC 6749 error code.
	Code string
	// Description names the violated rule; it only ever holds characters of
	// the RFC 6749 error_description charset (%x20-21 / %x23-5B / %x5D-7E).
	Description string
	// Status is the HTTP status: 400, 401 for invalid_client, 405, 413,
	// 503 for a full replay cache.
	Status int
	// Header is extra response headers (Allow, WWW-Authenticate, Retry-After).
	Header http.Header

	// malformed marks an assertion that is not a well-formed JWS at all
	// (flaw server-error-on-bad answers those with 500).
	malformed bool
}

// Error returns "code: description".
func (e *OAuthError) Error() string { return e.Code + ": " + e.Description }

func newErr(code, desc string) *OAuthError {
	status := http.StatusBadRequest
	if code == ErrInvalidClient {
		status = http.StatusUnauthorized
	}
	return &OAuthError{Code: code, Description: sanitizeDesc(desc), Status: status}
}

// sanitizeDesc replaces every byte outside the RFC 6749 error_description
// charset (%x20-21 / %x23-5B / %x5D-7E) with '?', so that no request content
// can smuggle quotes, backslashes, control characters or non-ASCII text into
// an error response.
func sanitizeDesc(s string) string {
	ok := true
	for i := 0; i < len(s); i++ {
		if !descByteOK(s[i]) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if descByteOK(s[i]) {
			b.WriteByte(s[i])
		} else {
			b.WriteByte('?')
		}
	}
	return b.String()
}

func descByteOK(c byte) bool {
	return c == 0x20 || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E)
}

// quote shortens a request-supplied value for an error description.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return "'" + sanitizeDesc(s) + "'"
}

// flowErr builds the flow's error for a bad assertion: invalid_grant for the
// bearer grant (RFC 7523 §3.1), invalid_client for client authentication
// (RFC 7523 §3.2).
func flowErr(p Purpose, desc string) *OAuthError {
	if p == PurposeClientAuth {
		return newErr(ErrInvalidClient, desc)
	}
	return newErr(ErrInvalidGrant, desc)
}
