package reference

import "sort"

// Flaw names one deliberate deviation from the spec that the reference
// server can be started with, so that every conformance case can be shown
// to fail against the flaw it exists to catch. No flaw is ever on by default.
type Flaw string

// FlawInfo documents a flaw: the rule it breaks and how.
type FlawInfo struct {
	Name   Flaw
	Rule   string // the clause the correct server follows, e.g. "RFC7523-3 item 3"
	Effect string // what the flawed server does instead
}

// The flaws, one per rule the reference enforces.
const (
	// Audience (RFC 7523 §3 item 3, RFC 7521 §5.2).
	FlawAudIgnored        Flaw = "aud-ignored"         // aud not checked at all (missing, empty, foreign all accepted)
	FlawAudPrefixMatch    Flaw = "aud-prefix-match"    // aud compared with strings.HasPrefix/Contains instead of simple string comparison
	FlawAudNormalized     Flaw = "aud-normalized"      // aud compared after lower-casing and trimming a trailing "/"
	FlawAudNonStringOK    Flaw = "aud-non-string-ok"   // an aud array with non-string members is accepted if one member matches
	FlawAudBisTokenURLOK  Flaw = "aud-bis-token-url"   // profile rfc7523bis: client-assertion aud = token endpoint URL (or an array) accepted
	FlawAudIssuerRejected Flaw = "aud-issuer-rejected" // the issuer identifier is refused as aud even when configured

	// Expiry and time (RFC 7523 §3 items 4-6, RFC 7519 §4.1.4-4.1.6).
	FlawExpIgnored         Flaw = "exp-ignored"         // an expired exp is accepted
	FlawExpNotRequired     Flaw = "exp-not-required"    // an assertion without exp is accepted
	FlawExpUnbounded       Flaw = "exp-unbounded"       // exp beyond max_lifetime (+leeway) is accepted
	FlawExpNoLeeway        Flaw = "exp-no-leeway"       // no clock-skew leeway: exp just past now is refused
	FlawExpEqualsNowOK     Flaw = "exp-equals-now-ok"   // exp == now is accepted with zero leeway (off by one)
	FlawLeewayUnbounded    Flaw = "leeway-unbounded"    // leeway of one hour instead of the configured one
	FlawNumericDateLenient Flaw = "numericdate-lenient" // NumericDate as a JSON string (e.g. "exp":"1700000000") accepted
	FlawNbfIgnored         Flaw = "nbf-ignored"         // a future nbf is accepted
	FlawIatNotRequired     Flaw = "iat-not-required"    // bearer grant without iat accepted (vendor profile requires it)
	FlawIatFutureOK        Flaw = "iat-future-ok"       // iat far in the future accepted
	FlawIatRequiredClient  Flaw = "iat-required-client" // client assertion without iat refused (iat is OPTIONAL there)
	FlawFractionalDateBad  Flaw = "numericdate-integer" // non-integer NumericDate (exp = 1700000000.5) refused

	// Issuer and subject (RFC 7523 §3 items 1-2).
	FlawIssNotRequired     Flaw = "iss-not-required"     // missing iss accepted when client_id/other means identify the client
	FlawIssCaseInsensitive Flaw = "iss-case-insensitive" // client lookup by iss ignores case and surrounding space
	FlawSubNotRequired     Flaw = "sub-not-required"     // missing sub accepted
	FlawSubNotClient       Flaw = "sub-not-client"       // client authentication: sub != client_id accepted
	FlawSubUnchecked       Flaw = "sub-unchecked"        // bearer grant: any sub accepted, even one not permitted for the client

	// Replay (RFC 7523 §3 item 7; OpenID Connect Core §9).
	FlawJTIReplay       Flaw = "jti-replay-allowed" // no replay detection
	FlawJTINotRequired  Flaw = "jti-not-required"   // client assertion without jti accepted
	FlawJTIRacy         Flaw = "jti-replay-racy"    // check-then-act replay cache: concurrent replays both succeed
	FlawJTIKeyedByToken Flaw = "jti-keyed-by-token" // replay cache keyed by the raw token string, not iss+jti
	FlawJTIBurnedEarly  Flaw = "jti-burned-early"   // jti recorded before the other checks, so a rejected assertion burns it
	FlawJTIWindowShort  Flaw = "jti-window-short"   // replay entries kept for a fixed 30 s TTL instead of until exp + leeway
	FlawIatPast500      Flaw = "iat-past-500"       // replay cache bucketed by iat: an iat older than the oldest bucket gives a 500

	// Signature, algorithm, keys (RFC 7523 §3 item 9, RFC 8725 §2-3, RFC 7515).
	FlawSigNotVerified     Flaw = "signature-not-verified" // claims read without verifying the signature or MAC
	FlawAlgNoneAccepted    Flaw = "alg-none-accepted"      // alg none (any case) with an empty signature accepted
	FlawAlgHSPublicKey     Flaw = "alg-hs-public-key"      // HS256 keyed with the registered public key (PEM) accepted
	FlawAlgNotPinned       Flaw = "alg-not-pinned"         // any algorithm the key can verify is accepted, not only the registered one
	FlawAnyRegisteredCert  Flaw = "any-registered-cert"    // the signature may verify under any client's registered certificate
	FlawEmbeddedJWKTrusted Flaw = "embedded-jwk-trusted"   // a key in the jwk header is used to verify
	FlawX5CTrusted         Flaw = "x5c-trusted"            // the leaf certificate in the x5c header is used to verify
	FlawJKUFetched         Flaw = "jku-fetched"            // keys are fetched from the jku/x5u header URL and trusted
	FlawCertExpiryIgnored  Flaw = "cert-expiry-ignored"    // an expired or not-yet-valid registered certificate still verifies
	FlawCritIgnored        Flaw = "crit-ignored"           // unknown crit header extensions ignored instead of refused
	FlawECDSADERAccepted   Flaw = "ecdsa-der-accepted"     // an ES* signature in ASN.1 DER form is accepted
	FlawHMACNotForClient   Flaw = "hmac-any-method"        // a private_key_jwt client may authenticate with HS* and vice versa
	FlawUnregisteredKidOK  Flaw = "kid-unknown-error"      // an unknown kid gives a 500 server error instead of the flow's error

	// Encoding (RFC 7515 §2, §7.1; RFC 7519 §7.2; RFC 8725bis).
	FlawLenientBase64      Flaw = "lenient-base64"       // padding, standard alphabet and whitespace stripped before parsing
	FlawJSONSerialization  Flaw = "json-serialization"   // JWS JSON serialization accepted as an assertion
	FlawDuplicateFirstWins Flaw = "duplicate-first-wins" // duplicate claim names: the first one wins instead of rejection
	FlawNoSizeLimit        Flaw = "no-size-limit"        // no limit on the request body or assertion size

	// Request rules (RFC 6749 §3.2, §2.3, §5.2; RFC 7521 §4).
	FlawGETAccepted            Flaw = "get-accepted"              // GET with query parameters processed like POST
	FlawQueryParamsAccepted    Flaw = "query-params-accepted"     // parameters in the URL query of a POST are used
	FlawNonFormAccepted        Flaw = "non-form-accepted"         // JSON and multipart bodies accepted
	FlawRepeatedParamsOK       Flaw = "repeated-params-ok"        // repeated parameters: the first value wins
	FlawUnsupportedGrantCode   Flaw = "unsupported-grant-code"    // unknown grant_type answered with invalid_request
	FlawAssertionTypeIgnored   Flaw = "assertion-type-ignored"    // client_assertion_type not checked
	FlawTwoAuthMethodsOK       Flaw = "two-auth-methods-ok"       // Basic or client_secret alongside client_assertion accepted
	FlawClientIDMismatchOK     Flaw = "client-id-mismatch-ok"     // client_id parameter naming another client is ignored
	FlawGrantIgnoresClientAuth Flaw = "grant-ignores-client-auth" // a failed client authentication is ignored when the grant is valid
	FlawUnknownParamRejected   Flaw = "unknown-param-rejected"    // unrecognized parameters refused instead of ignored
	FlawCharsetRejected        Flaw = "charset-rejected"          // Content-Type with a charset parameter refused
	FlawDisabledClientOK       Flaw = "disabled-client-ok"        // a disabled client may still get tokens
	FlawGrantNotPermittedOK    Flaw = "grant-not-permitted-ok"    // a client not registered for a grant or method may use it
	FlawEmptyParamNotOmitted   Flaw = "empty-param-not-omitted"   // an empty assertion is treated differently from a missing one (invalid_grant)

	// Response rules (RFC 6749 §5.1, §5.2; vendor format parameter).
	FlawNoCacheHeaders   Flaw = "no-cache-headers"              // Cache-Control: no-store and Pragma: no-cache missing
	FlawWrongErrorCode   Flaw = "wrong-error-code"              // every error answered with error=invalid_request
	FlawInvalidClient400 Flaw = "invalid-client-no-auth-header" // 401 invalid_client without WWW-Authenticate after Basic auth
	FlawErrorStatus200   Flaw = "error-status-200"              // errors answered with HTTP 200
	FlawServerErrorOnBad Flaw = "server-error-on-bad"           // a malformed assertion gives HTTP 500
	FlawExpiresInString  Flaw = "expires-in-string"             // expires_in sent as a JSON string
	FlawTokenTypeMissing Flaw = "token-type-missing"            // token_type missing from a success response
	FlawContentTypeText  Flaw = "content-type-text"             // JSON bodies labelled text/plain
	FlawFormatIgnored    Flaw = "format-ignored"                // format=urlencoded/xml ignored: JSON always
	FlawErrorDescCRLF    Flaw = "error-description-crlf"        // error_description contains CR/LF and quotes (outside the RFC 6749 charset)

	// Explicit typing (RFC 8725 §3.11; draft-ietf-oauth-rfc7523bis §4). Added by the reference owner.
	FlawTypIgnored Flaw = "typ-ignored" // typ naming another kind of JWT (at+jwt, dpop+jwt, ...) accepted

	// Specific flaws for the positive and parsing cases, so that none of
	// them is proved only by a catch-all response flaw.
	FlawAlgSubset              Flaw = "alg-subset"                  // only RS256, ES256 and HS256 implemented; other algorithms refused as unsupported
	FlawExtraClaimsRejected    Flaw = "extra-claims-rejected"       // claims outside iss/sub/aud/exp/nbf/iat/jti refused
	FlawClientIDRequired       Flaw = "client-id-required"          // JWT client authentication without the client_id parameter refused
	FlawScopeRequired          Flaw = "scope-required"              // a token request without scope refused
	FlawAudArrayRejected       Flaw = "aud-array-rejected"          // aud must be a string: any array refused
	FlawAudTokenEndpointReject Flaw = "aud-token-endpoint-rejected" // aud compared with the issuer identifier only: the token endpoint URL refused
	FlawNbfNoLeeway            Flaw = "nbf-no-leeway"               // nbf compared with now without the clock-skew leeway
	FlawMaxLifetimeShort       Flaw = "max-lifetime-short"          // lifetime cap = max_lifetime - leeway (sign error) instead of + leeway
	FlawTypExplicitRejected    Flaw = "typ-explicit-rejected"       // typ client-authentication+jwt refused (only JWT or no typ)
	FlawParseFirstThree        Flaw = "parse-first-three"           // unanchored three-segment match: whatever follows the third segment is ignored
	FlawAlgDefaulted           Flaw = "alg-defaulted"               // a header without alg is verified with the client's registered algorithm
	FlawDupHeaderFirstWins     Flaw = "duplicate-header-first-wins" // duplicate JOSE header members: the first one wins
	FlawUTF8Unchecked          Flaw = "utf8-unchecked"              // invalid UTF-8 in the claims accepted
	FlawNestingUnbounded       Flaw = "nesting-unbounded"           // no depth limit on nested JSON in the claims
	FlawClaimTypesCoerced      Flaw = "claim-types-coerced"         // a JSON number in iss/sub/jti coerced to its decimal string
	FlawClaimTypeBadRequest    Flaw = "claim-type-invalid-request"  // a registered claim of the wrong JSON type answered with invalid_request
	FlawClientIDOnlyAuth       Flaw = "client-id-only-auth"         // client_credentials with a registered client_id and no (or an empty) client assertion issued a token
	FlawContentTypeOptional    Flaw = "content-type-optional"       // a body without Content-Type parsed as a form
	FlawGrantTypeDefaulted     Flaw = "grant-type-defaulted"        // a missing grant_type guessed from the other parameters
	FlawMethodNotChecked       Flaw = "method-not-checked"          // only GET refused: PUT, PATCH, DELETE processed like POST
	FlawFormatUnknown500       Flaw = "format-unknown-500"          // an unknown format value falls through the response writer: HTTP 500
	FlawFirstCertOnly          Flaw = "first-cert-only"             // only the first certificate registered for a client is tried: a rotated-in key is refused

	// Specific flaws for cases that only catch-all flaws proved before.
	FlawIssUnknownDefault    Flaw = "iss-unknown-default-client" // an unknown iss is served by a catch-all default client that trusts every registered key
	FlawJWEPassthrough       Flaw = "jwe-passthrough"            // a five-part JWE is passed through unverified as an opaque encrypted assertion
	FlawAlgUnknownDefault    Flaw = "alg-unknown-default"        // an unknown alg is replaced by the issuer's default algorithm and the header re-encoded
	FlawIssNumberStringified Flaw = "iss-number-stringified"     // a numeric iss is stringified and resolved as a legacy tenant number by trial verification
	FlawAudPercentDecoded    Flaw = "aud-percent-decoded"        // aud compared after percent-decoding
	FlawAudObjectFlattened   Flaw = "aud-object-flattened"       // an aud object's string members are taken as audience values
	FlawAudSameHostAnyPath   Flaw = "aud-same-host-any-path"     // aud matches any URL on the server's scheme and host
	FlawECDSANoRangeCheck    Flaw = "ecdsa-no-range-check"       // ECDSA without the 0 < r, s < n range check: r = s = 0 verifies (CVE-2022-21449)
	FlawHMACAnyKeyLength     Flaw = "hmac-any-key-length"        // no minimum HMAC key length: the built-in 6-byte default secret "secret" verifies
)

func init() {
	r := register
	r(FlawAudIgnored, "RFC7523-3 item 3", "aud is not checked: missing, empty and foreign audiences are accepted")
	r(FlawAudPrefixMatch, "RFC7523-3 item 3 (Simple String Comparison, RFC3986-6.2.1)", "aud matches when it contains the expected value or is a prefix of it")
	r(FlawAudNormalized, "RFC7523-3 item 3 (Simple String Comparison, RFC3986-6.2.1)", "aud is compared after lower-casing and trimming a trailing slash")
	r(FlawAudNonStringOK, "RFC7519-4.1.3", "an aud array with non-string members is accepted when a string member matches")
	r(FlawAudBisTokenURLOK, "draft-ietf-oauth-rfc7523bis-4", "profile rfc7523bis: a client assertion aud naming the token endpoint, or an array, is accepted")
	r(FlawAudIssuerRejected, "RFC7523-3 item 3", "the configured issuer identifier is refused as aud")
	r(FlawExpIgnored, "RFC7523-3 item 4, RFC7519-4.1.4", "an expired assertion is accepted")
	r(FlawExpNotRequired, "RFC7523-3 item 4, RFC7521-5.2", "an assertion without exp is accepted")
	r(FlawExpUnbounded, "RFC7523-3 item 4 (vendor max_lifetime)", "exp beyond now + max_lifetime + leeway is accepted")
	r(FlawExpNoLeeway, "RFC7523-3 item 4 (clock skew), RFC7519-4.1.4", "no leeway on exp: an assertion that expired a second ago is refused")
	r(FlawExpEqualsNowOK, "RFC7519-4.1.4 (now MUST be before exp)", "exp == now + leeway is accepted (off by one)")
	r(FlawLeewayUnbounded, "RFC7519-4.1.4 (leeway of a few minutes at most)", "one hour of leeway on exp, nbf and iat instead of the configured leeway")
	r(FlawNumericDateLenient, "RFC7519-2 (NumericDate is a JSON number)", "a NumericDate sent as a JSON string is accepted")
	r(FlawNbfIgnored, "RFC7523-3 item 5, RFC7519-4.1.5", "an assertion whose nbf is in the future is accepted")
	r(FlawIatNotRequired, "vendor profile (RFC7523-3 item 6)", "a bearer-grant assertion without iat is accepted")
	r(FlawIatFutureOK, "RFC7519-4.1.6", "an iat far in the future is accepted")
	r(FlawIatRequiredClient, "RFC7523-3 item 6 (iat is OPTIONAL)", "a client assertion without iat is refused")
	r(FlawFractionalDateBad, "RFC7519-2 (NumericDate may be non-integer)", "a non-integer NumericDate is refused")
	r(FlawIssNotRequired, "RFC7523-3 item 1", "a missing iss is accepted; the client is taken from client_id")
	r(FlawIssCaseInsensitive, "RFC7519-4.1.1 (case-sensitive)", "the client is looked up by iss ignoring case and surrounding spaces")
	r(FlawSubNotRequired, "RFC7523-3 item 2", "an assertion without sub is accepted")
	r(FlawSubNotClient, "RFC7523-3 item 2 (client authentication: sub = client_id)", "a client assertion whose sub is not the client_id is accepted")
	r(FlawSubUnchecked, "RFC7523-3 item 2 (an authorized accessor)", "a bearer grant for any sub is accepted, even one the client may not assert")
	r(FlawJTIReplay, "RFC7523-3 item 7, OIDCC-9", "no replay detection: the same assertion is accepted again")
	r(FlawJTINotRequired, "OIDCC-9 (jti REQUIRED)", "a client assertion without jti is accepted")
	r(FlawJTIRacy, "RFC7523-3 item 7 (atomic check-and-set)", "check-then-act replay cache with a store round trip between: concurrent replays all succeed")
	r(FlawJTIKeyedByToken, "RFC7523-3 item 7 (keyed by jti)", "the replay cache is keyed by the raw token, so a re-encoded or re-signed copy with the same jti passes")
	r(FlawJTIBurnedEarly, "RFC7523-3 item 7", "the jti is recorded before the other checks, so a refused assertion burns its jti")
	r(FlawIatPast500, "RFC7523-3 item 6 (an old iat MAY be refused, with the flow's error), RFC6749-5.2", "the replay cache is a ring of per-minute buckets indexed by iat over max_lifetime + leeway; an iat older than the oldest bucket falls outside the ring and the request fails with HTTP 500 server_error")
	r(FlawJTIWindowShort, "RFC7523-3 item 7 (keep used jti values for as long as the JWT would be valid)", "used jti values are kept for a fixed 30 s cache TTL instead of until exp + leeway, so a new assertion reusing a jti is accepted once 30 s have passed although the first assertion is still valid")
	r(FlawSigNotVerified, "RFC7523-3 item 9", "claims are used without verifying the signature or MAC")
	r(FlawAlgNoneAccepted, "RFC7523-3 item 9, RFC8725-3.1", "alg none (any letter case) is accepted without a signature")
	r(FlawAlgHSPublicKey, "RFC8725-2.1, RFC8725-3.1", "HS* is verified with the registered public key (PEM, DER) as the MAC key")
	r(FlawAlgNotPinned, "RFC8725-3.1, OIDC Registration token_endpoint_auth_signing_alg", "any algorithm the key can verify is accepted, not only the registered ones")
	r(FlawAnyRegisteredCert, "RFC8725-3.8 (keys belong to the issuer)", "the signature may verify under any client's registered certificate")
	r(FlawEmbeddedJWKTrusted, "RFC8725-3.8, RFC7515-4.1.3", "the key in the jwk header is used to verify")
	r(FlawX5CTrusted, "RFC7515-4.1.6, RFC8725-3.8", "the leaf certificate of the x5c header is used to verify, unvalidated")
	r(FlawJKUFetched, "RFC8725-3.10", "keys are fetched from the jku or x5u header URL and trusted")
	r(FlawCertExpiryIgnored, "RFC5280-4.1.2.5 (vendor policy)", "an expired or not yet valid registered certificate still verifies")
	r(FlawCritIgnored, "RFC7515-4.1.11", "crit (and b64) headers are ignored instead of refused")
	r(FlawECDSADERAccepted, "RFC7518-3.4 (64-octet R||S)", "an ES* signature in ASN.1 DER form is accepted")
	r(FlawHMACNotForClient, "RFC6749-5.2, OIDC Registration token_endpoint_auth_method", "a private_key_jwt client may authenticate with HS* and a client_secret_jwt client with RS/PS/ES/EdDSA")
	r(FlawUnregisteredKidOK, "RFC7515-4.1.4, RFC7523-3.1/3.2", "a kid matching no registered certificate gives 500 server_error instead of the flow's error")
	r(FlawLenientBase64, "RFC7515-2, RFC7515-7.1", "padding, the standard alphabet and whitespace are normalized away before parsing")
	r(FlawJSONSerialization, "RFC7523-2.1/2.2 (a single JWT), RFC7519-7.2 (compact)", "JWS JSON serialization is accepted as an assertion")
	r(FlawDuplicateFirstWins, "RFC7519-4 (reject or last wins)", "duplicate claim names: the first one wins")
	r(FlawNoSizeLimit, "robustness (RFC 6749 says nothing)", "no limit on the request body or assertion size")
	r(FlawGETAccepted, "RFC6749-3.2 (POST)", "GET with query parameters is processed like POST")
	r(FlawQueryParamsAccepted, "RFC6749-3.2, RFC6749-2.3.1", "parameters in the URL query of a POST are used")
	r(FlawNonFormAccepted, "RFC6749-3.2, RFC6749-4.4.2 (form encoding)", "JSON and multipart bodies are accepted")
	r(FlawRepeatedParamsOK, "RFC6749-3.2 (MUST NOT be included more than once)", "repeated parameters are accepted; the first value wins")
	r(FlawUnsupportedGrantCode, "RFC6749-5.2 (unsupported_grant_type)", "an unknown grant_type is answered with invalid_request")
	r(FlawAssertionTypeIgnored, "RFC7521-4.2", "client_assertion_type is not checked")
	r(FlawTwoAuthMethodsOK, "RFC6749-2.3, RFC7521-4.2.1", "Basic authentication or client_secret beside client_assertion is ignored")
	r(FlawClientIDMismatchOK, "RFC7521-4.2 (client_id MUST identify the same client)", "a client_id naming another client than the assertion is ignored")
	r(FlawGrantIgnoresClientAuth, "RFC6749-3.2.1", "a failed client authentication is ignored when the grant assertion is valid")
	r(FlawUnknownParamRejected, "RFC6749-3.2 (MUST ignore unrecognized parameters)", "unrecognized parameters are refused with invalid_request")
	r(FlawCharsetRejected, "RFC6749-B (form encoding; media type parameters)", "a Content-Type with a charset parameter is refused")
	r(FlawDisabledClientOK, "RFC6749-5.2 (registry state)", "a disabled client still gets tokens")
	r(FlawGrantNotPermittedOK, "RFC6749-5.2 (unauthorized_client)", "a client not registered for a grant or method may use it")
	r(FlawEmptyParamNotOmitted, "RFC6749-3.2 (empty = omitted)", "an empty assertion is verified (invalid_grant) instead of being treated as missing (invalid_request)")
	r(FlawNoCacheHeaders, "RFC6749-5.1", "Cache-Control: no-store and Pragma: no-cache are missing")
	r(FlawWrongErrorCode, "RFC6749-5.2", "every error is answered with error=invalid_request")
	r(FlawInvalidClient400, "RFC6749-5.2 (401 + WWW-Authenticate)", "401 invalid_client without WWW-Authenticate after Basic authentication")
	r(FlawErrorStatus200, "RFC6749-5.2 (HTTP 400)", "errors are answered with HTTP 200")
	r(FlawServerErrorOnBad, "RFC6749-5.2", "a malformed assertion gives HTTP 500 server_error")
	r(FlawExpiresInString, "RFC6749-5.1 (expires_in is a number)", "expires_in is sent as a JSON string")
	r(FlawTokenTypeMissing, "RFC6749-5.1 (token_type REQUIRED)", "token_type is missing from a success response")
	r(FlawContentTypeText, "RFC6749-5.1 (application/json)", "JSON bodies are labelled text/plain")
	r(FlawFormatIgnored, "vendor format parameter", "format=urlencoded and format=xml are ignored: the answer is always JSON")
	r(FlawErrorDescCRLF, "RFC6749-5.2 (error_description charset)", "error_description contains CR, LF and double quotes")
	r(FlawTypIgnored, "RFC8725-3.11, draft-ietf-oauth-rfc7523bis-4", "a typ naming another kind of JWT (at+jwt, dpop+jwt, ...) is accepted")
	r(FlawAlgSubset, "RFC7518-3.1 (RS256 and ES256 RECOMMENDED, others OPTIONAL but advertised)", "only RS256, ES256 and HS256 are implemented: RS384, RS512, PS*, ES384, ES512, EdDSA, HS384 and HS512 are refused as unsupported although the metadata advertises them")
	r(FlawExtraClaimsRejected, "RFC7523-3 item 8, RFC7519-4 (claims not understood MUST be ignored)", "an assertion carrying any claim other than iss, sub, aud, exp, nbf, iat and jti is refused")
	r(FlawClientIDRequired, "RFC7521-4.2 (client_id OPTIONAL)", "JWT client authentication without the client_id parameter is refused with invalid_request")
	r(FlawScopeRequired, "RFC6749-4.4.2, RFC7521-4.1 (scope OPTIONAL)", "a token request without scope is refused with invalid_scope")
	r(FlawAudArrayRejected, "RFC7519-4.1.3, RFC7523-3 item 3 (aud may be an array)", "aud must be a single string: an array, even one holding the expected value, is refused")
	r(FlawAudTokenEndpointReject, "RFC7523-3 item 3 (the token endpoint URL MAY be used as aud)", "profile rfc7523: aud is compared with the issuer identifier only, so the token endpoint URL is refused as aud")
	r(FlawNbfNoLeeway, "RFC7519-4.1.5 (some small leeway), vendor leeway", "nbf is compared with now without the clock-skew leeway: an nbf a few seconds ahead is refused")
	r(FlawMaxLifetimeShort, "RFC7523-3 item 4 (vendor max_lifetime)", "the lifetime cap is now + max_lifetime - leeway (sign error) instead of + leeway: exp exactly max_lifetime ahead is refused")
	r(FlawTypExplicitRejected, "draft-ietf-oauth-rfc7523bis-4, RFC8725-3.11", "typ client-authentication+jwt is refused; only JWT or no typ is accepted")
	r(FlawParseFirstThree, "RFC7515-7.1 (exactly three parts), RFC7519-7.2", "the assertion is matched with an unanchored three-segment pattern: a fourth segment, a trailing dot or a second token after a space is ignored")
	r(FlawAlgDefaulted, "RFC7515-4.1.1 (alg MUST be present)", "a header without alg is verified with the algorithm registered for the client")
	r(FlawDupHeaderFirstWins, "RFC7515-4 (reject duplicate header names or keep the last)", "duplicate JOSE header members: the first one wins, so {alg:RS256,...,alg:none} verifies as RS256")
	r(FlawUTF8Unchecked, "RFC7519-7.2 step 10, RFC8259-8.1 (UTF-8)", "invalid UTF-8 in the claims is accepted")
	r(FlawNestingUnbounded, "robustness (RFC7523-3 item 10, RFC8259-9 limits)", "no depth limit on nested JSON values in the claims")
	r(FlawClaimTypeBadRequest, "RFC7523-3.1/3.2 (invalid_grant / invalid_client), RFC7519-2", "a registered claim of the wrong JSON type (exp true, iss 12345) is answered with invalid_request instead of the flow's error")
	r(FlawClientIDOnlyAuth, "RFC6749-4.4.2, RFC6749-2.3 (confidential clients MUST authenticate)", "a client_credentials request whose client_id names a registered client is issued a token when the client assertion is missing or empty")
	r(FlawContentTypeOptional, "RFC6749-3.2 (application/x-www-form-urlencoded)", "a body without Content-Type is parsed as a form")
	r(FlawGrantTypeDefaulted, "RFC6749-4.4.2, RFC7521-4.1 (grant_type REQUIRED)", "a missing grant_type is guessed: jwt-bearer when assertion is present, client_credentials when client_assertion is")
	r(FlawMethodNotChecked, "RFC6749-3.2 (POST)", "only GET is refused: PUT, PATCH and DELETE token requests are processed like POST")
	r(FlawClaimTypesCoerced, "RFC7519-4.1.1, 4.1.2, 4.1.7 (StringOrURI, string)", "a JSON number in iss, sub or jti is coerced to its decimal string")
	r(FlawFirstCertOnly, "RFC7523-3 item 9 (verify with the issuer's registered keys), OIDC Core 10.1.1 (key rollover by adding keys)", "only the first certificate registered for the client is tried, so during a rotation overlap an assertion signed by the second (new) key is refused")
	r(FlawIssUnknownDefault, "RFC7523-3 item 1 (iss identifies a registered client), RFC7523-3.1", "an iss that names no registered client is served by the default client: a catch-all entry, named after the iss as sent, that trusts every registered key and secret and permits every flow, algorithm and subject")
	r(FlawJWEPassthrough, "RFC7523-3 item 9 (the JWT MUST be digitally signed or MACed), RFC8725-3.3", "a five-part JWE is taken as an encrypted assertion meant for someone else and passed through unverified: the token goes to the client named by client_id, or to an anonymous client")
	r(FlawAlgUnknownDefault, "RFC7515-4.1.1 (alg MUST be understood), RFC8725-3.1", "an alg the server does not know (HS1) is replaced by the issuer's default algorithm (its first registered one) and the header re-encoded before verification, so the signature is checked as if alg had been that default")
	r(FlawIssNumberStringified, "RFC7519-4.1.1 (iss is a StringOrURI), RFC7523-3 item 1", "a JSON number in iss is stringified and taken as a legacy numeric tenant id, which is resolved to the registered client whose key or secret verifies the signature")
	r(FlawAudPercentDecoded, "RFC7523-3 item 3 (Simple String Comparison, RFC3986-6.2.1)", "aud is percent-decoded before the comparison, so /%74oken matches /token")
	r(FlawAudObjectFlattened, "RFC7519-4.1.3 (aud is a string or an array of strings)", "an aud JSON object is flattened: its string member values are taken as the audience")
	r(FlawAudSameHostAnyPath, "RFC7523-3 item 3 (aud identifies the token endpoint or the issuer)", "aud is compared by scheme and host only: any path on this server (/par, /authorize) is accepted")
	r(FlawECDSANoRangeCheck, "RFC7518-3.4, FIPS 186-4 6.4.2 (reject r or s outside [1, n-1])", "ECDSA verification without the range check of r and s: the all-zero signature r = s = 0 verifies any message (psychic signatures, CVE-2022-21449)")
	r(FlawHMACAnyKeyLength, "RFC7518-3.2 (an HMAC key at least the size of the hash output MUST be used), RFC8725-3.5", "HMAC keys of any length verify: the framework's built-in development secret \"secret\" (6 bytes, which the length check would have refused) stays configured beside each client's secret and verifies HS256 assertions")
	r(FlawFormatUnknown500, "RFC6749-5.2 (invalid_request: an unsupported parameter value), vendor format parameter", "an unknown format value (yaml, XML) is not validated and reaches the response writer, which has no case for it: HTTP 500 server_error")
}

var flawInfo = map[Flaw]FlawInfo{}

func register(f Flaw, rule, effect string) {
	flawInfo[f] = FlawInfo{Name: f, Rule: rule, Effect: effect}
}

// Flaws lists every flaw, sorted by name.
func Flaws() []FlawInfo {
	out := make([]FlawInfo, 0, len(flawInfo))
	for _, fi := range flawInfo {
		out = append(out, fi)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupFlaw returns the documentation of a flaw by name.
func LookupFlaw(name string) (FlawInfo, bool) {
	fi, ok := flawInfo[Flaw(name)]
	return fi, ok
}
