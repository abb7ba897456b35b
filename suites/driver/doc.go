// Package driver is the harness's HTTP client for any OAuth 2.0 token
// endpoint: it sends token requests (RFC 6749 §3.2, RFC 7521 §4), bounded in
// time and size, follows no redirect, parses the answer (JSON, urlencoded or
// XML per the format parameter) and keeps a redacted transcript.
package driver
