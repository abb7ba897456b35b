package catalog

import "github.com/jwtharness/jwtharness/fixtures"

// Flow sets.
var (
	allFlows    = []fixtures.Flow{fixtures.FlowJWTBearer, fixtures.FlowPrivateKeyJWT, fixtures.FlowClientSecretJWT}
	grantFlow   = []fixtures.Flow{fixtures.FlowJWTBearer}
	clientFlows = []fixtures.Flow{fixtures.FlowPrivateKeyJWT, fixtures.FlowClientSecretJWT}
	keyedFlows  = []fixtures.Flow{fixtures.FlowJWTBearer, fixtures.FlowPrivateKeyJWT}
	pkFlow      = []fixtures.Flow{fixtures.FlowPrivateKeyJWT}
	hsFlow      = []fixtures.Flow{fixtures.FlowClientSecretJWT}
)

func rfc7523(item int, quote string) Clause {
	return Clause{Doc: "RFC7523", Section: "3", Item: item, Quote: quote}
}

func clause(doc, section, quote string) Clause {
	return Clause{Doc: doc, Section: section, Quote: quote}
}

// The clauses cited by more than one case.
var (
	cIss       = rfc7523(1, `The JWT MUST contain an "iss" (issuer) claim that contains a unique identifier for the entity that issued the JWT.`)
	cSub       = rfc7523(2, `The JWT MUST contain a "sub" (subject) claim identifying the principal that is the subject of the JWT.`)
	cSubClient = rfc7523(2, `For client authentication, the subject MUST be the "client_id" of the OAuth client.`)
	cAud       = rfc7523(3, `The authorization server MUST reject any JWT that does not contain its own identity as the intended audience.`)
	cAudCmp    = rfc7523(3, `In the absence of an application profile specifying otherwise, compliant applications MUST compare the audience values using the Simple String Comparison method defined in Section 6.2.1 of RFC 3986.`)
	cAudTE     = rfc7523(3, `The token endpoint URL of the authorization server MAY be used as a value for an "aud" element to identify the authorization server as an intended audience of the JWT.`)
	cExp       = rfc7523(4, `The JWT MUST contain an "exp" (expiration time) claim that limits the time window during which the JWT can be used.`)
	cExpPast   = rfc7523(4, `The authorization server MUST reject any JWT with an expiration time that has passed, subject to allowable clock skew between systems.`)
	cNbf       = rfc7523(5, `The JWT MAY contain an "nbf" (not before) claim that identifies the time before which the token MUST NOT be accepted for processing.`)
	cJti       = rfc7523(7, `The authorization server MAY ensure that JWTs are not replayed by maintaining the set of used "jti" values for the length of time for which the JWT would be considered valid based on the applicable "exp" instant.`)
	cSig       = rfc7523(9, `The JWT MUST be digitally signed or have a Message Authentication Code (MAC) applied by the issuer. The authorization server MUST reject JWTs with an invalid signature or MAC.`)
	cValid     = rfc7523(10, `The authorization server MUST reject a JWT that is not valid in all other respects per "JSON Web Token (JWT)".`)

	cGrant = clause("RFC7523", "2.1", `The value of the "assertion" parameter MUST contain a single JWT.`)

	cNumericDate = clause("RFC7519", "4.1.4", `Its value MUST be a number containing a NumericDate value.`)
	cExpNow      = clause("RFC7519", "4.1.4", `The processing of the "exp" claim requires that the current date/time MUST be before the expiration date/time listed in the "exp" claim.`)
	cNbfNow      = clause("RFC7519", "4.1.5", `The processing of the "nbf" claim requires that the current date/time MUST be after or equal to the not-before date/time listed in the "nbf" claim.`)
	cDateFrac    = clause("RFC7519", "2", `NumericDate: A JSON numeric value representing the number of seconds from 1970-01-01T00:00:00Z UTC until the specified UTC date/time, ignoring leap seconds.`)
	cAudArray    = clause("RFC7519", "4.1.3", `In the general case, the "aud" value is an array of case-sensitive strings, each containing a StringOrURI value.`)
	cDupClaims   = clause("RFC7519", "4", `JWT parsers MUST either reject JWTs with duplicate Claim Names or use a JSON parser that returns only the lexically last duplicate member name.`)

	cX5c  = clause("RFC7515", "4.1.6", `The recipient MUST validate the certificate chain according to RFC 5280 and consider the certificate or certificate chain to be invalid if any validation failure occurs.`)
	cES   = clause("RFC7518", "3.4", `The JWS Signature value MUST be a 64-octet sequence. If it is not a 64-octet sequence, the validation has failed.`)
	cAlgs = clause("RFC8725", "3.1", `Each key MUST be used with exactly one algorithm, and this MUST be checked when the cryptographic operation is performed.`)

	cOmitted    = clause("RFC6749", "3.2", `Parameters sent without a value MUST be treated as if they were omitted from the request.`)
	cUnknownP   = clause("RFC6749", "3.2", `The authorization server MUST ignore unrecognized request parameters.`)
	cForm       = clause("RFC6749", "4.4.2", `The client makes a request to the token endpoint by adding the following parameters using the "application/x-www-form-urlencoded" format per Appendix B with a character encoding of UTF-8 in the HTTP request entity-body.`)
	cErr401     = clause("RFC6749", "5.2", `If the client attempted to authenticate via the "Authorization" request header field, the authorization server MUST respond with an HTTP 401 (Unauthorized) status code and include the "WWW-Authenticate" response header field matching the authentication scheme used by the client.`)
	cErrDesc    = clause("RFC6749", "5.2", `Values for the "error_description" parameter MUST NOT include characters outside the set %x20-21 / %x23-5B / %x5D-7E.`)
	cErrCodeG   = clause("RFC7523", "3.1", `The value of the "error" parameter MUST be the "invalid_grant" error code.`)
	cTokenType  = clause("RFC6749", "5.1", `token_type REQUIRED. The type of the token issued as described in Section 7.1. Value is case insensitive.`)
	cJSONType   = clause("RFC6749", "5.1", `The parameters are included in the entity-body of the HTTP response using the "application/json" media type as defined by RFC 4627.`)
	cNoStore    = clause("RFC6749", "5.1", `The authorization server MUST include the HTTP "Cache-Control" response header field with a value of "no-store" in any response containing tokens, credentials, or other sensitive information, as well as the "Pragma" response header field with a value of "no-cache".`)
	cClientAuth = clause("RFC6749", "4.4.2", `The authorization server MUST authenticate the client.`)

	cAssertionType = clause("RFC7521", "4.2", `client_assertion_type REQUIRED. The format of the assertion as defined by the authorization server. The value will be an absolute URI.`)
	cClientIDParam = clause("RFC7521", "4.2", `If present, the value of the "client_id" parameter MUST identify the same client as is identified by the client assertion.`)
	cAssertionReq  = clause("RFC7521", "4.1", `assertion REQUIRED. The assertion being used as an authorization grant.`)
	cScopeOpt      = clause("RFC7521", "4.1", `scope OPTIONAL. The requested scope as described in Section 3.3 of OAuth 2.0.`)
	cInvalidClient = clause("RFC7521", "4.2.1", `If an assertion is not valid or has expired, the authorization server constructs an error response as defined in OAuth 2.0. The value of the "error" parameter MUST be the "invalid_client" error code.`)

	cKeyRollover = clause("OIDC-Core", "10.1.1", `Keys can be rolled over by periodically adding new keys to the JWK Set at the jwks_uri location. The signer can begin using a new key at its discretion and signals the change to the verifier using the kid value.`)
	cOIDCjti     = clause("OIDC-Core", "9", `jti REQUIRED. JWT ID. A unique identifier for the token, which can be used to prevent reuse of the token. These tokens MUST only be used once, unless conditions for reuse were negotiated between the parties.`)
	cOIDCiat     = clause("OIDC-Core", "9", `iat OPTIONAL. Time at which the JWT was issued.`)

	cBisAud = clause("RFC7523bis", "4", `The aud (audience) claim value MUST use the issuer identifier of the authorization server as its sole value. The token endpoint URL of the authorization server MUST NOT be used as an audience value.`)

	cCertValidity = clause("RFC5280", "4.1.2.5", `The certificate validity period is the time interval during which the CA warrants that it will maintain information about the status of the certificate.`)

	// RFC 7519 §7.2: the steps of JWT validation (compact serialization,
	// base64url without padding or whitespace, UTF-8 JSON objects, understood
	// header parameters).
	cJWTValidate   = clause("RFC7519", "7.2", `If any of the listed steps fail, then the JWT MUST be rejected -- that is, treated by the application as an invalid input.`)
	cIgnoreUnknown = clause("RFC7519", "4", `However, in the absence of such requirements, all claims that are not understood by implementations MUST be ignored.`)
	cRequest400    = clause("RFC6749", "5.2", `The authorization server responds with an HTTP 400 (Bad Request) status code (unless specified otherwise) and includes the following parameters with the response: error REQUIRED. A single ASCII [USASCII] error code from the following:`)

	// Policies: rules no RFC keyword imposes, which gate only when the
	// target file declares them (Case.Policy).
	cPolicyIat        = Clause{Doc: "policy", Section: "iat_required", Quote: `iat_required: true — the endpoint refuses an assertion without iat (RFC 7523 §3 item 6 makes iat OPTIONAL: "The JWT MAY contain an "iat" (issued at) claim").`}
	cPolicyIatFuture  = Clause{Doc: "policy", Section: "iat_required", Quote: `iat_required: true — the endpoint requires and validates iat: an iat beyond the leeway in the future is refused. No RFC requires it (RFC 7523 §3 item 6 lets a server refuse an iat too far in the past); without the declaration this is an observation.`}
	cPolicyCap        = Clause{Doc: "policy", Section: "max_lifetime", Quote: `max_lifetime: the endpoint refuses an exp more than max_lifetime (plus the leeway) ahead, as RFC 7523 §3 item 4 allows: "The authorization server MAY reject JWTs with an "exp" claim value that is unreasonably far in the future."`}
	cPolicyFormat     = Clause{Doc: "policy", Section: "formats", Quote: `formats: the endpoint answers in the listed formats, chosen by a "format" request parameter (json is application/json); no RFC defines the parameter.`}
	cPolicyStrict     = Clause{Doc: "policy", Section: "strict_requests", Quote: `strict_requests: true — the endpoint takes token requests only as a POST with an application/x-www-form-urlencoded body, without parameters in the URL query, and refuses any other shape. RFC 6749 tells the client to send that ("The client MUST use the HTTP "POST" method when making access token requests", §3.2; the form body, §4.4.2) but no MUST makes the server refuse another shape.`}
	cPolicySize       = Clause{Doc: "policy", Section: "max_assertion_bytes", Quote: `max_assertion_bytes: the endpoint refuses a larger assertion or body (400 or 413); no RFC sets a limit.`}
	cPolicyNesting    = Clause{Doc: "policy", Section: "max_claim_nesting", Quote: `max_claim_nesting: the endpoint refuses claims nested deeper; no RFC sets a limit, and RFC 7519 §4 says claims that are not understood MUST be ignored.`}
	cPolicyLeeway     = Clause{Doc: "policy", Section: "leeway", Quote: `leeway: the endpoint allows the declared clock skew on exp, nbf and iat, and no more (RFC 7523 §3 item 4: "subject to allowable clock skew between systems").`}
	cPolicyTyping     = Clause{Doc: "policy", Section: "explicit_typing", Quote: `explicit_typing: true or false — the endpoint states its typ rule; either way the typ rfc7523bis registers for client assertions ("client-authentication+jwt") is accepted (RFC 7515 §4.1.9 leaves typ to the application).`}
	cTypKinds         = clause("RFC8725", "3.12", `If more than one kind of JWT can be issued by the same issuer, the validation rules for those JWTs MUST be written such that they are mutually exclusive, rejecting JWTs of the wrong kind.`)
	cAudIssuer        = Clause{Doc: "policy", Section: "audiences", Quote: `audiences: token_endpoint, issuer or both — the aud values the endpoint accepts. RFC 7523 §3 item 3 obliges it to refuse an aud that does not identify it, not to accept a given identifier; rfc7523bis makes the issuer identifier the only aud of a client assertion.`}
	cClientAuthz      = Clause{Doc: "policy", Section: "restricted_client", Quote: `restricted_client: a client the endpoint has registered but permits no flow; RFC 6749 §5.2 names unauthorized_client for "The authenticated client is not authorized to use this authorization grant type."`}
	cGrantTypeReq     = clause("RFC6749", "4.4.2", `grant_type REQUIRED. Value MUST be set to "client_credentials".`)
	cExpiresIn        = clause("RFC6749", "5.1", `expires_in RECOMMENDED. The lifetime in seconds of the access token.`)
	cHMACKeySize      = clause("RFC7518", "3.2", `A key of the same size as the hash output (for instance, 256 bits for "HS256") or larger MUST be used with this algorithm.`)
	cPolicyWellFormed = Clause{Doc: "policy", Section: "strict_requests", Quote: `strict_requests: true — the endpoint takes only well-formed requests: each parameter once and one client authentication method. RFC 6749 puts these MUSTs on the client ("Request and response parameters MUST NOT be included more than once", §3.2; "The client MUST NOT use more than one authentication method in each request", §2.3) and names invalid_request for them (§5.2), but no MUST makes the server refuse.`}
	cDisabledClient   = Clause{Doc: "policy", Section: "disabled_client", Quote: `disabled_client: a client the endpoint has registered but disabled; its otherwise valid assertion is refused (RFC 7521 §4.2.1 names invalid_client for an assertion that is not valid).`}
	cPolicyGrantAuth  = Clause{Doc: "policy", Section: "grant_client_auth_checked", Quote: `grant_client_auth_checked: true — the endpoint authenticates client authentication included with a bearer grant request and refuses the grant (invalid_client) when it fails. RFC 6749 imposes this on the authorization code and refresh token grants ("The authorization server MUST: ... authenticate the client if client authentication is included", §4.1.3, §6), not on the assertion grant: client authentication is optional there (RFC 7521 §4.1, RFC 7523 §2.1), and to a server that has none on this grant client_assertion is an unrecognized parameter it "MUST ignore" (RFC 6749 §3.2).`}
	cPolicyFlow       = Clause{Doc: "policy", Section: "flows", Quote: `The target file declares the flow and its credentials: a valid request of the flow, in any form RFC 7519 and RFC 6749 allow, is issued a token.`}
)
