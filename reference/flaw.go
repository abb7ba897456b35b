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
)

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
