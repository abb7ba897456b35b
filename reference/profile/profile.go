// Package profile names which published text a token endpoint follows where
// RFC 7523 and its revision differ. It is a leaf shared by the target file
// (fixtures/target), the reference server and the catalog.
package profile

// Profile selects which published text the endpoint follows where they differ.
type Profile string

const (
	// RFC7523 is the published RFC 7523: a client assertion's aud may be the
	// token endpoint URL, the issuer identifier, or an array holding one.
	RFC7523 Profile = "rfc7523"
	// RFC7523bis is draft-ietf-oauth-rfc7523bis: a client assertion's aud
	// MUST be the issuer identifier as its sole value.
	RFC7523bis Profile = "rfc7523bis"
)
