// Package reference is jwtharness's spec-exact OAuth 2.0 token endpoint for
// JWT assertions (RFC 7523): the JWT bearer grant (§2.1) and JWT client
// authentication (§2.2: private_key_jwt with a registered X.509 certificate,
// client_secret_jwt with an HMAC keyed by the client secret) for
// grant_type=client_credentials or beside the bearer grant. It is the peer
// every conformance case is proved against, and each deliberate deviation
// (Flaw) is the peer the case is proved to catch.
//
// # Shape
//
// NewServer starts an httptest-like Server on loopback; NewHandler returns
// the http.Handler for `jwtharness serve`; Verifier checks one assertion
// without HTTP (benchmarks, fuzzing). Routes: POST /token and GET
// /.well-known/oauth-authorization-server (RFC 8414).
//
// # Validation
//
// A token request goes down requestPipeline (handler.go), an assertion down
// assertionPipeline (verify.go): two ordered lists, read top to bottom. The
// cheap structural checks (method, media type, body size, query, repeated
// and empty parameters, grant type, one client authentication method,
// base64url charset, compact parse with an algorithm allow-list, header,
// claims) come before any signature is verified; the key is taken only from
// the registry entry of the client named by iss; the registry state of the
// client (disabled, flows permitted) is checked right after the signature,
// so that it is disclosed only to the key holder; the replay record (iss,
// jti) is written last, atomically, so a refused assertion never burns its
// jti.
//
// # Choices where the texts leave room
//
//   - invalid_client is always HTTP 401 (RFC 6749 §5.2 allows 400 or 401);
//     WWW-Authenticate is added, for the scheme used, only when the client
//     sent an Authorization header.
//   - Two client authentication methods in one request: 400 invalid_request
//     (RFC 6749 §5.2; RFC 7521 §4.2.1 would say invalid_client).
//   - A failed client authentication fails the request, even beside a valid
//     grant (RFC 6749 §3.2.1).
//   - client_id beside a bearer grant without client authentication must
//     name the assertion's issuer (invalid_grant otherwise).
//   - exp == now with zero leeway is refused (RFC 7519 §4.1.4 "MUST be
//     before"); exp <= now + MaxLifetime + Leeway; nbf and iat may be at most
//     Leeway ahead; iat is required for the bearer grant (vendor profile) and
//     optional for client authentication; jti is required for client
//     authentication (OpenID Connect Core §9) and checked for replay when a
//     grant carries one. NumericDates are compared as float64 seconds:
//     fractions are accepted and huge values cannot wrap.
//   - typ: absent, "JWT" and "client-authentication+jwt" (client
//     authentication only) are accepted; any other "+jwt" type is another
//     kind of JWT and refused (RFC 8725 §3.11).
//   - crit and b64 are refused whatever they list: the server understands no
//     extension (RFC 7515 §4.1.11, RFC 7797).
//   - Registered RSA keys shorter than 2048 bits never verify (RFC 7518
//     §3.3); registered certificates outside notBefore/notAfter never verify.
//   - The replay cache is partitioned by client: each registered client
//     holds at most Options.ReplayCapacity live entries. A client whose
//     partition is full of unexpired entries is failed closed: 503
//     temporarily_unavailable with Retry-After (the time until its oldest
//     entry expires), never an unchecked assertion; the other clients are
//     not affected by its flood.
//   - Refused requests are logged at INFO at most Options.RefusalLogRate
//     times per second; the rest are counted in one summary line, so a
//     flood of bad requests cannot fill a disk.
//   - format=urlencoded answers application/x-www-form-urlencoded;
//     format=xml answers application/xml with <token>...</token> on success
//     and <error><error>...</error><error_description>...</error_description></error>
//     on failure; an unknown format value is 400 invalid_request in JSON.
//   - error_description is always within the RFC 6749 charset
//     (%x20-21 / %x23-5B / %x5D-7E): rule citations read "RFC 7523 section 3
//     item 3", and request-supplied text is quoted with other bytes replaced.
package reference
