// Package flaws names the deliberate deviations from the specifications
// that the reference token server (package reference) can be started with,
// each with the rule it breaks and what the flawed server does instead.
// Every conformance case names the flaw it exists to catch, so that it can
// be proved to fail against it. The package is a leaf: the catalog, the
// harness and the command line name flaws without importing the server.
package flaws

import "sort"

// Flaw names one deliberate deviation. No flaw is ever on by default.
type Flaw string

// Info documents a flaw: the rule it breaks and how.
type Info struct {
	Name   Flaw
	Rule   string // the clause the correct server follows, e.g. "RFC7523-3 item 3"
	Effect string // what the flawed server does instead
}

// The flaws, one per rule the reference enforces.
const (

	// Audience (RFC 7523 §3 item 3, RFC 7521 §5.2).
	AudIgnored        Flaw = "aud-ignored"         // aud not checked at all (missing, empty, foreign all accepted)
	AudPrefixMatch    Flaw = "aud-prefix-match"    // aud compared with strings.HasPrefix/Contains instead of simple string comparison
	AudNormalized     Flaw = "aud-normalized"      // aud compared after lower-casing and trimming a trailing "/"
	AudNonStringOK    Flaw = "aud-non-string-ok"   // an aud array with non-string members is accepted if one member matches
	AudBisTokenURLOK  Flaw = "aud-bis-token-url"   // profile rfc7523bis: client-assertion aud = token endpoint URL (or an array) accepted
	AudIssuerRejected Flaw = "aud-issuer-rejected" // the issuer identifier is refused as aud even when configured

	// Expiry and time (RFC 7523 §3 items 4-6, RFC 7519 §4.1.4-4.1.6).
	ExpIgnored          Flaw = "exp-ignored"                 // an expired exp is accepted
	ExpNotRequired      Flaw = "exp-not-required"            // an assertion without exp is accepted
	ExpUnbounded        Flaw = "exp-unbounded"               // exp beyond max_lifetime (+leeway) is accepted
	ExpNoLeeway         Flaw = "exp-no-leeway"               // no clock-skew leeway: exp just past now is refused
	ExpEqualsNowOK      Flaw = "exp-equals-now-ok"           // exp == now is accepted with zero leeway (off by one)
	LeewayUnbounded     Flaw = "leeway-unbounded"            // leeway of one hour instead of the configured one
	NumericDateLenient  Flaw = "numericdate-lenient"         // NumericDate as a JSON string (e.g. "exp":"1700000000") accepted
	NumericDateDateTime Flaw = "numericdate-datetime-parsed" // NumericDate as an RFC 3339 date-time string (e.g. "exp":"2026-11-30T11:20:00Z") parsed and accepted
	NbfIgnored          Flaw = "nbf-ignored"                 // a future nbf is accepted
	IatNotRequired      Flaw = "iat-not-required"            // bearer grant without iat accepted (vendor profile requires it)
	IatFutureOK         Flaw = "iat-future-ok"               // iat far in the future accepted
	IatRequiredClient   Flaw = "iat-required-client"         // client assertion without iat refused (iat is OPTIONAL there)
	FractionalDateBad   Flaw = "numericdate-integer"         // non-integer NumericDate (exp = 1700000000.5) refused

	// Issuer and subject (RFC 7523 §3 items 1-2).
	IssNotRequired     Flaw = "iss-not-required"     // missing iss accepted when client_id/other means identify the client
	IssCaseInsensitive Flaw = "iss-case-insensitive" // client lookup by iss ignores case and surrounding space
	SubNotRequired     Flaw = "sub-not-required"     // missing sub accepted
	SubNotClient       Flaw = "sub-not-client"       // client authentication: sub != client_id accepted
	SubUnchecked       Flaw = "sub-unchecked"        // bearer grant: any sub accepted, even one not permitted for the client

	// Replay (RFC 7523 §3 item 7; OpenID Connect Core §9).
	JTIReplay       Flaw = "jti-replay-allowed" // no replay detection
	JTINotRequired  Flaw = "jti-not-required"   // client assertion without jti accepted
	JTIRacy         Flaw = "jti-replay-racy"    // check-then-act replay cache: concurrent replays both succeed
	JTIKeyedByToken Flaw = "jti-keyed-by-token" // replay cache keyed by the raw token string, not iss+jti
	JTIBurnedEarly  Flaw = "jti-burned-early"   // jti recorded before the other checks, so a rejected assertion burns it
	JTIWindowShort  Flaw = "jti-window-short"   // replay entries kept for a fixed 30 s TTL instead of until exp + leeway
	IatPast500      Flaw = "iat-past-500"       // replay cache bucketed by iat: an iat older than the oldest bucket gives a 500

	// Signature, algorithm, keys (RFC 7523 §3 item 9, RFC 8725 §2-3, RFC 7515).
	SigNotVerified     Flaw = "signature-not-verified" // claims read without verifying the signature or MAC
	AlgNoneAccepted    Flaw = "alg-none-accepted"      // alg none (any case) with an empty signature accepted
	AlgHSPublicKey     Flaw = "alg-hs-public-key"      // HS256 keyed with the registered public key (PEM) accepted
	AlgNotPinned       Flaw = "alg-not-pinned"         // any algorithm the key can verify is accepted, not only the registered one
	AnyRegisteredCert  Flaw = "any-registered-cert"    // the signature may verify under any client's registered certificate
	EmbeddedJWKTrusted Flaw = "embedded-jwk-trusted"   // a key in the jwk header is used to verify
	X5CTrusted         Flaw = "x5c-trusted"            // the leaf certificate in the x5c header is used to verify
	JKUFetched         Flaw = "jku-fetched"            // keys are fetched from the jku/x5u header URL and trusted
	CertExpiryIgnored  Flaw = "cert-expiry-ignored"    // an expired or not-yet-valid registered certificate still verifies
	CritIgnored        Flaw = "crit-ignored"           // unknown crit header extensions ignored instead of refused
	ECDSADERAccepted   Flaw = "ecdsa-der-accepted"     // an ES* signature in ASN.1 DER form is accepted
	HMACNotForClient   Flaw = "hmac-any-method"        // a private_key_jwt client may authenticate with HS* and vice versa
	UnregisteredKidOK  Flaw = "kid-unknown-error"      // an unknown kid gives a 500 server error instead of the flow's error

	// Encoding (RFC 7515 §2, §7.1; RFC 7519 §7.2; RFC 8725bis).
	LenientBase64      Flaw = "lenient-base64"       // padding, standard alphabet and whitespace stripped before parsing
	JSONSerialization  Flaw = "json-serialization"   // JWS JSON serialization accepted as an assertion
	DuplicateFirstWins Flaw = "duplicate-first-wins" // duplicate claim names: the first one wins instead of rejection
	NoSizeLimit        Flaw = "no-size-limit"        // no limit on the request body or assertion size

	// Request rules (RFC 6749 §3.2, §2.3, §5.2; RFC 7521 §4).
	GETAccepted            Flaw = "get-accepted"              // GET with query parameters processed like POST
	QueryParamsAccepted    Flaw = "query-params-accepted"     // parameters in the URL query of a POST are used
	NonFormAccepted        Flaw = "non-form-accepted"         // JSON and multipart bodies accepted
	RepeatedParamsOK       Flaw = "repeated-params-ok"        // repeated parameters: the first value wins
	UnsupportedGrantCode   Flaw = "unsupported-grant-code"    // unknown grant_type answered with invalid_request
	AssertionTypeIgnored   Flaw = "assertion-type-ignored"    // client_assertion_type not checked
	TwoAuthMethodsOK       Flaw = "two-auth-methods-ok"       // Basic or client_secret alongside client_assertion accepted
	ClientIDMismatchOK     Flaw = "client-id-mismatch-ok"     // client_id parameter naming another client is ignored
	GrantIgnoresClientAuth Flaw = "grant-ignores-client-auth" // a failed client authentication is ignored when the grant is valid
	UnknownParamRejected   Flaw = "unknown-param-rejected"    // unrecognized parameters refused instead of ignored
	CharsetRejected        Flaw = "charset-rejected"          // Content-Type with a charset parameter refused
	DisabledClientOK       Flaw = "disabled-client-ok"        // a disabled client may still get tokens
	GrantNotPermittedOK    Flaw = "grant-not-permitted-ok"    // a client not registered for a grant or method may use it
	EmptyParamNotOmitted   Flaw = "empty-param-not-omitted"   // an empty assertion is treated differently from a missing one (invalid_grant)

	// Response rules (RFC 6749 §5.1, §5.2; vendor format parameter).
	NoCacheHeaders   Flaw = "no-cache-headers"              // Cache-Control: no-store and Pragma: no-cache missing
	WrongErrorCode   Flaw = "wrong-error-code"              // every error answered with error=invalid_request
	InvalidClient400 Flaw = "invalid-client-no-auth-header" // 401 invalid_client without WWW-Authenticate after Basic auth
	ErrorStatus200   Flaw = "error-status-200"              // errors answered with HTTP 200
	ServerErrorOnBad Flaw = "server-error-on-bad"           // a malformed assertion gives HTTP 500
	ExpiresInString  Flaw = "expires-in-string"             // expires_in sent as a JSON string
	TokenTypeMissing Flaw = "token-type-missing"            // token_type missing from a success response
	ContentTypeText  Flaw = "content-type-text"             // JSON bodies labelled text/plain
	FormatIgnored    Flaw = "format-ignored"                // format=urlencoded/xml ignored: JSON always
	ErrorDescCRLF    Flaw = "error-description-crlf"        // error_description contains CR/LF and quotes (outside the RFC 6749 charset)

	// Explicit typing (RFC 8725 §3.11; draft-ietf-oauth-rfc7523bis §4). Added by the reference owner.
	TypIgnored Flaw = "typ-ignored" // typ naming another kind of JWT (at+jwt, dpop+jwt, ...) accepted

	// Specific flaws for the positive and parsing cases, so that none of
	// them is proved only by a catch-all response flaw.
	AlgSubset              Flaw = "alg-subset"                  // only RS256, ES256 and HS256 implemented; other algorithms refused as unsupported
	ExtraClaimsRejected    Flaw = "extra-claims-rejected"       // claims outside iss/sub/aud/exp/nbf/iat/jti refused
	ClientIDRequired       Flaw = "client-id-required"          // JWT client authentication without the client_id parameter refused
	ScopeRequired          Flaw = "scope-required"              // a token request without scope refused
	AudArrayRejected       Flaw = "aud-array-rejected"          // aud must be a string: any array refused
	AudTokenEndpointReject Flaw = "aud-token-endpoint-rejected" // aud compared with the issuer identifier only: the token endpoint URL refused
	NbfNoLeeway            Flaw = "nbf-no-leeway"               // nbf compared with now without the clock-skew leeway
	MaxLifetimeShort       Flaw = "max-lifetime-short"          // lifetime cap = max_lifetime - leeway (sign error) instead of + leeway
	TypExplicitRejected    Flaw = "typ-explicit-rejected"       // typ client-authentication+jwt refused (only JWT or no typ)
	ParseFirstThree        Flaw = "parse-first-three"           // unanchored three-segment match: whatever follows the third segment is ignored
	AlgDefaulted           Flaw = "alg-defaulted"               // a header without alg is verified with the client's registered algorithm
	DupHeaderFirstWins     Flaw = "duplicate-header-first-wins" // duplicate JOSE header members: the first one wins
	UTF8Unchecked          Flaw = "utf8-unchecked"              // invalid UTF-8 in the claims accepted
	NestingUnbounded       Flaw = "nesting-unbounded"           // no depth limit on nested JSON in the claims
	ClaimTypesCoerced      Flaw = "claim-types-coerced"         // a JSON number in iss/sub/jti coerced to its decimal string
	ClaimTypeBadRequest    Flaw = "claim-type-invalid-request"  // a registered claim of the wrong JSON type answered with invalid_request
	ClientIDOnlyAuth       Flaw = "client-id-only-auth"         // client_credentials with a registered client_id and no (or an empty) client assertion issued a token
	ContentTypeOptional    Flaw = "content-type-optional"       // a body without Content-Type parsed as a form
	GrantTypeDefaulted     Flaw = "grant-type-defaulted"        // a missing grant_type guessed from the other parameters
	MethodNotChecked       Flaw = "method-not-checked"          // only GET refused: PUT, PATCH, DELETE processed like POST
	FormatUnknown500       Flaw = "format-unknown-500"          // an unknown format value falls through the response writer: HTTP 500
	FirstCertOnly          Flaw = "first-cert-only"             // only the first certificate registered for a client is tried: a rotated-in key is refused

	// Specific flaws for cases that only catch-all flaws proved before.
	IssUnknownDefault    Flaw = "iss-unknown-default-client" // an unknown iss is served by a catch-all default client that trusts every registered key
	JWEPassthrough       Flaw = "jwe-passthrough"            // a five-part JWE is passed through unverified as an opaque encrypted assertion
	AlgUnknownDefault    Flaw = "alg-unknown-default"        // an unknown alg is replaced by the issuer's default algorithm and the header re-encoded
	IssNumberStringified Flaw = "iss-number-stringified"     // a numeric iss is stringified and resolved as a legacy tenant number by trial verification
	AudPercentDecoded    Flaw = "aud-percent-decoded"        // aud compared after percent-decoding
	AudObjectFlattened   Flaw = "aud-object-flattened"       // an aud object's string members are taken as audience values
	AudSameHostAnyPath   Flaw = "aud-same-host-any-path"     // aud matches any URL on the server's scheme and host
	ECDSANoRangeCheck    Flaw = "ecdsa-no-range-check"       // ECDSA without the 0 < r, s < n range check: r = s = 0 verifies (CVE-2022-21449)
	HMACAnyKeyLength     Flaw = "hmac-any-key-length"        // no minimum HMAC key length: the built-in 6-byte default secret "secret" verifies
)

// infos is every flaw with its rule and effect.
var infos = []Info{
	{AudIgnored, "RFC7523-3 item 3", "aud is not checked: missing, empty and foreign audiences are accepted"},
	{AudPrefixMatch, "RFC7523-3 item 3 (Simple String Comparison, RFC3986-6.2.1)", "aud matches when it contains the expected value or is a prefix of it"},
	{AudNormalized, "RFC7523-3 item 3 (Simple String Comparison, RFC3986-6.2.1)", "aud is compared after lower-casing and trimming a trailing slash"},
	{AudNonStringOK, "RFC7519-4.1.3", "an aud array with non-string members is accepted when a string member matches"},
	{AudBisTokenURLOK, "draft-ietf-oauth-rfc7523bis-4", "profile rfc7523bis: a client assertion aud naming the token endpoint, or an array, is accepted"},
	{AudIssuerRejected, "RFC7523-3 item 3", "the configured issuer identifier is refused as aud"},
	{ExpIgnored, "RFC7523-3 item 4, RFC7519-4.1.4", "an expired assertion is accepted"},
	{ExpNotRequired, "RFC7523-3 item 4, RFC7521-5.2", "an assertion without exp is accepted"},
	{ExpUnbounded, "RFC7523-3 item 4 (vendor max_lifetime)", "exp beyond now + max_lifetime + leeway is accepted"},
	{ExpNoLeeway, "RFC7523-3 item 4 (clock skew), RFC7519-4.1.4", "no leeway on exp: an assertion that expired a second ago is refused"},
	{ExpEqualsNowOK, "RFC7519-4.1.4 (now MUST be before exp)", "exp == now + leeway is accepted (off by one)"},
	{LeewayUnbounded, "RFC7519-4.1.4 (leeway of a few minutes at most)", "one hour of leeway on exp, nbf and iat instead of the configured leeway"},
	{NumericDateLenient, "RFC7519-2 (NumericDate is a JSON number)", "a NumericDate sent as a JSON string is accepted"},
	{NumericDateDateTime, "RFC7519-4.1.4 (exp MUST be a number containing a NumericDate value), RFC7523-3 item 10", "a NumericDate sent as an RFC 3339 date-time string is parsed as that instant and accepted (as zitadel/oidc's oidc.Time does)"},
	{NbfIgnored, "RFC7523-3 item 5, RFC7519-4.1.5", "an assertion whose nbf is in the future is accepted"},
	{IatNotRequired, "vendor profile (RFC7523-3 item 6)", "a bearer-grant assertion without iat is accepted"},
	{IatFutureOK, "RFC7519-4.1.6", "an iat far in the future is accepted"},
	{IatRequiredClient, "RFC7523-3 item 6 (iat is OPTIONAL)", "a client assertion without iat is refused"},
	{FractionalDateBad, "RFC7519-2 (NumericDate may be non-integer)", "a non-integer NumericDate is refused"},
	{IssNotRequired, "RFC7523-3 item 1", "a missing iss is accepted; the client is taken from client_id"},
	{IssCaseInsensitive, "RFC7519-4.1.1 (case-sensitive)", "the client is looked up by iss ignoring case and surrounding spaces"},
	{SubNotRequired, "RFC7523-3 item 2", "an assertion without sub is accepted"},
	{SubNotClient, "RFC7523-3 item 2 (client authentication: sub = client_id)", "a client assertion whose sub is not the client_id is accepted"},
	{SubUnchecked, "RFC7523-3 item 2 (an authorized accessor)", "a bearer grant for any sub is accepted, even one the client may not assert"},
	{JTIReplay, "RFC7523-3 item 7, OIDCC-9", "no replay detection: the same assertion is accepted again"},
	{JTINotRequired, "OIDCC-9 (jti REQUIRED)", "a client assertion without jti is accepted"},
	{JTIRacy, "RFC7523-3 item 7 (atomic check-and-set)", "check-then-act replay cache with a store round trip between: concurrent replays all succeed"},
	{JTIKeyedByToken, "RFC7523-3 item 7 (keyed by jti)", "the replay cache is keyed by the raw token, so a re-encoded or re-signed copy with the same jti passes"},
	{JTIBurnedEarly, "RFC7523-3 item 7", "the jti is recorded before the other checks, so a refused assertion burns its jti"},
	{JTIWindowShort, "RFC7523-3 item 7 (keep used jti values for as long as the JWT would be valid)", "used jti values are kept for a fixed 30 s cache TTL instead of until exp + leeway, so a new assertion reusing a jti is accepted once 30 s have passed although the first assertion is still valid"},
	{IatPast500, "RFC7523-3 item 6 (an old iat MAY be refused, with the flow's error), RFC6749-5.2", "the replay cache is a ring of per-minute buckets indexed by iat over max_lifetime + leeway; an iat older than the oldest bucket falls outside the ring and the request fails with HTTP 500 server_error"},
	{SigNotVerified, "RFC7523-3 item 9", "claims are used without verifying the signature or MAC"},
	{AlgNoneAccepted, "RFC7523-3 item 9, RFC8725-3.1", "alg none (any letter case) is accepted without a signature"},
	{AlgHSPublicKey, "RFC8725-2.1, RFC8725-3.1", "HS* is verified with the registered public key (PEM, DER) as the MAC key"},
	{AlgNotPinned, "RFC8725-3.1, OIDC Registration token_endpoint_auth_signing_alg", "any algorithm the key can verify is accepted, not only the registered ones"},
	{AnyRegisteredCert, "RFC8725-3.8 (keys belong to the issuer)", "the signature may verify under any client's registered certificate"},
	{EmbeddedJWKTrusted, "RFC8725-3.8, RFC7515-4.1.3", "the key in the jwk header is used to verify"},
	{X5CTrusted, "RFC7515-4.1.6, RFC8725-3.8", "the leaf certificate of the x5c header is used to verify, unvalidated"},
	{JKUFetched, "RFC8725-3.10", "keys are fetched from the jku or x5u header URL and trusted"},
	{CertExpiryIgnored, "RFC5280-4.1.2.5 (vendor policy)", "an expired or not yet valid registered certificate still verifies"},
	{CritIgnored, "RFC7515-4.1.11", "crit (and b64) headers are ignored instead of refused"},
	{ECDSADERAccepted, "RFC7518-3.4 (64-octet R||S)", "an ES* signature in ASN.1 DER form is accepted"},
	{HMACNotForClient, "RFC6749-5.2, OIDC Registration token_endpoint_auth_method", "a private_key_jwt client may authenticate with HS* and a client_secret_jwt client with RS/PS/ES/EdDSA"},
	{UnregisteredKidOK, "RFC7515-4.1.4, RFC7523-3.1/3.2", "a kid matching no registered certificate gives 500 server_error instead of the flow's error"},
	{LenientBase64, "RFC7515-2, RFC7515-7.1", "padding, the standard alphabet and whitespace are normalized away before parsing"},
	{JSONSerialization, "RFC7523-2.1/2.2 (a single JWT), RFC7519-7.2 (compact)", "JWS JSON serialization is accepted as an assertion"},
	{DuplicateFirstWins, "RFC7519-4 (reject or last wins)", "duplicate claim names: the first one wins"},
	{NoSizeLimit, "robustness (RFC 6749 says nothing)", "no limit on the request body or assertion size"},
	{GETAccepted, "RFC6749-3.2 (POST)", "GET with query parameters is processed like POST"},
	{QueryParamsAccepted, "RFC6749-3.2, RFC6749-2.3.1", "parameters in the URL query of a POST are used"},
	{NonFormAccepted, "RFC6749-3.2, RFC6749-4.4.2 (form encoding)", "JSON and multipart bodies are accepted"},
	{RepeatedParamsOK, "RFC6749-3.2 (MUST NOT be included more than once)", "repeated parameters are accepted; the first value wins"},
	{UnsupportedGrantCode, "RFC6749-5.2 (unsupported_grant_type)", "an unknown grant_type is answered with invalid_request"},
	{AssertionTypeIgnored, "RFC7521-4.2", "client_assertion_type is not checked"},
	{TwoAuthMethodsOK, "RFC6749-2.3, RFC7521-4.2.1", "Basic authentication or client_secret beside client_assertion is ignored"},
	{ClientIDMismatchOK, "RFC7521-4.2 (client_id MUST identify the same client)", "a client_id naming another client than the assertion is ignored"},
	{GrantIgnoresClientAuth, "RFC6749-3.2.1", "a failed client authentication is ignored when the grant assertion is valid"},
	{UnknownParamRejected, "RFC6749-3.2 (MUST ignore unrecognized parameters)", "unrecognized parameters are refused with invalid_request"},
	{CharsetRejected, "RFC6749-B (form encoding; media type parameters)", "a Content-Type with a charset parameter is refused"},
	{DisabledClientOK, "RFC6749-5.2 (registry state)", "a disabled client still gets tokens"},
	{GrantNotPermittedOK, "RFC6749-5.2 (unauthorized_client)", "a client not registered for a grant or method may use it"},
	{EmptyParamNotOmitted, "RFC6749-3.2 (empty = omitted)", "an empty assertion is verified (invalid_grant) instead of being treated as missing (invalid_request)"},
	{NoCacheHeaders, "RFC6749-5.1", "Cache-Control: no-store and Pragma: no-cache are missing"},
	{WrongErrorCode, "RFC6749-5.2", "every error is answered with error=invalid_request"},
	{InvalidClient400, "RFC6749-5.2 (401 + WWW-Authenticate)", "401 invalid_client without WWW-Authenticate after Basic authentication"},
	{ErrorStatus200, "RFC6749-5.2 (HTTP 400)", "errors are answered with HTTP 200"},
	{ServerErrorOnBad, "RFC6749-5.2", "a malformed assertion gives HTTP 500 server_error"},
	{ExpiresInString, "RFC6749-5.1 (expires_in is a number)", "expires_in is sent as a JSON string"},
	{TokenTypeMissing, "RFC6749-5.1 (token_type REQUIRED)", "token_type is missing from a success response"},
	{ContentTypeText, "RFC6749-5.1 (application/json)", "JSON bodies are labelled text/plain"},
	{FormatIgnored, "vendor format parameter", "format=urlencoded and format=xml are ignored: the answer is always JSON"},
	{ErrorDescCRLF, "RFC6749-5.2 (error_description charset)", "error_description contains CR, LF and double quotes"},
	{TypIgnored, "RFC8725-3.11, draft-ietf-oauth-rfc7523bis-4", "a typ naming another kind of JWT (at+jwt, dpop+jwt, ...) is accepted"},
	{AlgSubset, "RFC7518-3.1 (RS256 and ES256 RECOMMENDED, others OPTIONAL but advertised)", "only RS256, ES256 and HS256 are implemented: RS384, RS512, PS*, ES384, ES512, EdDSA, HS384 and HS512 are refused as unsupported although the metadata advertises them"},
	{ExtraClaimsRejected, "RFC7523-3 item 8, RFC7519-4 (claims not understood MUST be ignored)", "an assertion carrying any claim other than iss, sub, aud, exp, nbf, iat and jti is refused"},
	{ClientIDRequired, "RFC7521-4.2 (client_id OPTIONAL)", "JWT client authentication without the client_id parameter is refused with invalid_request"},
	{ScopeRequired, "RFC6749-4.4.2, RFC7521-4.1 (scope OPTIONAL)", "a token request without scope is refused with invalid_scope"},
	{AudArrayRejected, "RFC7519-4.1.3, RFC7523-3 item 3 (aud may be an array)", "aud must be a single string: an array, even one holding the expected value, is refused"},
	{AudTokenEndpointReject, "RFC7523-3 item 3 (the token endpoint URL MAY be used as aud)", "profile rfc7523: aud is compared with the issuer identifier only, so the token endpoint URL is refused as aud"},
	{NbfNoLeeway, "RFC7519-4.1.5 (some small leeway), vendor leeway", "nbf is compared with now without the clock-skew leeway: an nbf a few seconds ahead is refused"},
	{MaxLifetimeShort, "RFC7523-3 item 4 (vendor max_lifetime)", "the lifetime cap is now + max_lifetime - leeway (sign error) instead of + leeway: exp exactly max_lifetime ahead is refused"},
	{TypExplicitRejected, "draft-ietf-oauth-rfc7523bis-4, RFC8725-3.11", "typ client-authentication+jwt is refused; only JWT or no typ is accepted"},
	{ParseFirstThree, "RFC7515-7.1 (exactly three parts), RFC7519-7.2", "the assertion is matched with an unanchored three-segment pattern: a fourth segment, a trailing dot or a second token after a space is ignored"},
	{AlgDefaulted, "RFC7515-4.1.1 (alg MUST be present)", "a header without alg is verified with the algorithm registered for the client"},
	{DupHeaderFirstWins, "RFC7515-4 (reject duplicate header names or keep the last)", "duplicate JOSE header members: the first one wins, so {alg:RS256,...,alg:none} verifies as RS256"},
	{UTF8Unchecked, "RFC7519-7.2 step 10, RFC8259-8.1 (UTF-8)", "invalid UTF-8 in the claims is accepted"},
	{NestingUnbounded, "robustness (RFC7523-3 item 10, RFC8259-9 limits)", "no depth limit on nested JSON values in the claims"},
	{ClaimTypesCoerced, "RFC7519-4.1.1, 4.1.2, 4.1.7 (StringOrURI, string)", "a JSON number in iss, sub or jti is coerced to its decimal string"},
	{ClaimTypeBadRequest, "RFC7523-3.1/3.2 (invalid_grant / invalid_client), RFC7519-2", "a registered claim of the wrong JSON type (exp true, iss 12345) is answered with invalid_request instead of the flow's error"},
	{ClientIDOnlyAuth, "RFC6749-4.4.2, RFC6749-2.3 (confidential clients MUST authenticate)", "a client_credentials request whose client_id names a registered client is issued a token when the client assertion is missing or empty"},
	{ContentTypeOptional, "RFC6749-3.2 (application/x-www-form-urlencoded)", "a body without Content-Type is parsed as a form"},
	{GrantTypeDefaulted, "RFC6749-4.4.2, RFC7521-4.1 (grant_type REQUIRED)", "a missing grant_type is guessed: jwt-bearer when assertion is present, client_credentials when client_assertion is"},
	{MethodNotChecked, "RFC6749-3.2 (POST)", "only GET is refused: PUT, PATCH and DELETE token requests are processed like POST"},
	{FormatUnknown500, "RFC6749-5.2 (invalid_request: an unsupported parameter value), vendor format parameter", "an unknown format value (yaml, XML) is not validated and reaches the response writer, which has no case for it: HTTP 500 server_error"},
	{FirstCertOnly, "RFC7523-3 item 9 (verify with the issuer's registered keys), OIDC Core 10.1.1 (key rollover by adding keys)", "only the first certificate registered for the client is tried, so during a rotation overlap an assertion signed by the second (new) key is refused"},
	{IssUnknownDefault, "RFC7523-3 item 1 (iss identifies a registered client), RFC7523-3.1", "an iss that names no registered client is served by the default client: a catch-all entry, named after the iss as sent, that trusts every registered key and secret and permits every flow, algorithm and subject"},
	{JWEPassthrough, "RFC7523-3 item 9 (the JWT MUST be digitally signed or MACed), RFC8725-3.3", "a five-part JWE is taken as an encrypted assertion meant for someone else and passed through unverified: the token goes to the client named by client_id, or to an anonymous client"},
	{AlgUnknownDefault, "RFC7515-4.1.1 (alg MUST be understood), RFC8725-3.1", "an alg the server does not know (HS1) is replaced by the issuer's default algorithm (its first registered one) and the header re-encoded before verification, so the signature is checked as if alg had been that default"},
	{IssNumberStringified, "RFC7519-4.1.1 (iss is a StringOrURI), RFC7523-3 item 1", "a JSON number in iss is stringified and taken as a legacy numeric tenant id, which is resolved to the registered client whose key or secret verifies the signature"},
	{AudPercentDecoded, "RFC7523-3 item 3 (Simple String Comparison, RFC3986-6.2.1)", "aud is percent-decoded before the comparison, so /%74oken matches /token"},
	{AudObjectFlattened, "RFC7519-4.1.3 (aud is a string or an array of strings)", "an aud JSON object is flattened: its string member values are taken as the audience"},
	{AudSameHostAnyPath, "RFC7523-3 item 3 (aud identifies the token endpoint or the issuer)", "aud is compared by scheme and host only: any path on this server (/par, /authorize) is accepted"},
	{ECDSANoRangeCheck, "RFC7518-3.4, FIPS 186-4 6.4.2 (reject r or s outside [1, n-1])", "ECDSA verification without the range check of r and s: the all-zero signature r = s = 0 verifies any message (psychic signatures, CVE-2022-21449)"},
	{HMACAnyKeyLength, "RFC7518-3.2 (an HMAC key at least the size of the hash output MUST be used), RFC8725-3.5", "the MAC is checked without the key length check: a registered secret shorter than the hash output verifies, and so does the framework's built-in development secret \"secret\" (6 bytes, which a length check would have refused at start-up), left configured beside every client's secret"},
}

var byName = func() map[Flaw]Info {
	m := make(map[Flaw]Info, len(infos))
	for _, fi := range infos {
		m[fi.Name] = fi
	}
	return m
}()

// All lists every flaw, sorted by name.
func All() []Info {
	out := append([]Info(nil), infos...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the documentation of a flaw by name.
func Lookup(name string) (Info, bool) {
	fi, ok := byName[Flaw(name)]
	return fi, ok
}
