package catalog

import (
	"sort"
	"strings"

	R "github.com/jwtharness/jwtharness/reference/flaws"
	"github.com/jwtharness/jwtharness/reports"
)

// Finding IDs: the response invariants every case checks along the way.
// A breach is reported once per run as a finding listing the case@flow
// runs that saw it; the case itself is judged on its own subject (was the
// aud refused?) and gets a WARN, unless the case is about that invariant
// (Case.About, or its flaw's), in which case the breach FAILs the case.
const (
	FindServerError       = "server-error"                   // 5xx for a client error
	FindNoAnswer          = "no-answer"                      // no HTTP answer to a request that must be refused
	FindErrorStatus       = "error-status"                   // a refusal with a 1xx/2xx/3xx status
	FindErrorStatusNot400 = "error-status-not-400"           // a 4xx other than 400 (401 for invalid_client)
	FindErrorBody         = "error-body"                     // a 4xx without an RFC 6749 §5.2 error object
	FindErrorCodeUnknown  = "error-code-unregistered"        // error is not a registered code
	FindErrorDescCharset  = "error-description-charset"      // error_description outside %x20-21 / %x23-5B / %x5D-7E
	FindErrorContentType  = "error-content-type"             // JSON error body not labelled application/json
	FindWWWAuthenticate   = "www-authenticate"               // 401 after Basic authentication without WWW-Authenticate
	FindCodeGrant         = "error-code-grant"               // a bad grant assertion refused without invalid_grant
	FindCodeClient        = "error-code-client"              // a bad client assertion refused without invalid_client
	FindCodeUnauthorized  = "error-code-unauthorized-client" // a client not permitted the grant type refused without unauthorized_client
	FindCodeRequest       = "error-code-request"             // a malformed request refused with another code than the one RFC 6749 §5.2 names
	FindCodeTolerated     = "error-code-tolerated"           // a tolerated alternate code (invalid_request for a bad client assertion)
	FindCacheHeaders      = "cache-headers"                  // a token response without Cache-Control: no-store / Pragma: no-cache
	FindTokenContentType  = "token-content-type"             // a token response not labelled application/json
	FindSlowRefusal       = "slow-refusal"                   // a refusal slower than 5 s
	FindStoppedAnswering  = "stopped-answering"              // a valid request after the case was not issued a token
)

// errorCodeFamily is the prefix matching every error-code finding.
const errorCodeFamily = "error-code"

var (
	cErr400 = clause("RFC6749", "5.2", `The authorization server responds with an HTTP 400 (Bad Request) status code (unless specified otherwise) and includes the following parameters with the response: error REQUIRED. A single ASCII [USASCII] error code from the following:`)
)

// findingDefs describes every finding: its title, level and clause. A
// finding gates (FAIL) only when its clause is a MUST.
var findingDefs = map[string]struct {
	title  string
	level  Level
	clause Clause
}{
	FindServerError: {"a client error answered with HTTP 5xx instead of an OAuth error response", MUST, cErr400},
	FindNoAnswer:    {"no HTTP answer (timeout or closed connection) to a request that must be refused", MUST, cErr400},
	FindErrorStatus: {"a refusal answered with a non-error status (1xx, 2xx or 3xx)", MUST, cErr400},
	FindErrorStatusNot400: {"an error other than invalid_client answered with a 4xx other than 400", SHOULD,
		clause("RFC6749", "5.2", `The authorization server responds with an HTTP 400 (Bad Request) status code (unless specified otherwise)`)},
	FindErrorBody:        {"a refusal without an RFC 6749 §5.2 error object (a JSON object with an error member)", MUST, cErr400},
	FindErrorCodeUnknown: {"an error code that RFC 6749 §5.2 and the OAuth registry do not define", MUST, cErr400},
	FindErrorDescCharset: {"error_description holds characters outside %x20-21 / %x23-5B / %x5D-7E (quotes, backslashes, CR LF, non-ASCII)", MUST, cErrDesc},
	FindErrorContentType: {"an error body not labelled application/json", POLICY,
		clause("RFC6749", "5.2", `The parameters are included in the entity-body of the HTTP response using the "application/json" media type as defined by RFC 4627.`)},
	FindWWWAuthenticate: {"HTTP 401 after HTTP Basic client authentication without a WWW-Authenticate header", MUST, cErr401},
	FindCodeGrant:       {"an invalid grant assertion refused with an error code other than invalid_grant", MUST, cErrCodeG},
	FindCodeClient:      {"an invalid client assertion refused with an error code other than invalid_client", MUST, cInvalidClient},
	FindCodeUnauthorized: {"a client not permitted the grant type refused with another error code than unauthorized_client", MUST,
		clause("RFC6749", "5.2", `error REQUIRED. A single ASCII [USASCII] error code from the following: [...] unauthorized_client The authenticated client is not authorized to use this authorization grant type.`)},
	FindCodeRequest: {"a malformed request refused with another error code than the one RFC 6749 §5.2 names for it", SHOULD,
		clause("RFC6749", "5.2", `invalid_request: The request is missing a required parameter, includes an unsupported parameter value (other than grant type), repeats a parameter, includes multiple credentials, utilizes more than one mechanism for authenticating the client, or is otherwise malformed.`)},
	FindCodeTolerated: {"a tolerated alternate error code (for example invalid_request for an invalid client assertion)", SHOULD,
		clause("RFC7521", "4.2.1", `The value of the "error" parameter MUST be the "invalid_client" error code.`)},
	FindCacheHeaders:     {"a token response without Cache-Control: no-store and Pragma: no-cache", MUST, cNoStore},
	FindTokenContentType: {"a token response not labelled application/json", POLICY, cJSONType},
	FindSlowRefusal:      {"a refusal took more than 5 seconds", SHOULD, Clause{Doc: "harness", Quote: "A refusal should not take longer than 5 seconds (a sign of unbounded work on bad input)."}},
	FindStoppedAnswering: {"the endpoint stopped issuing tokens to valid requests after a case", SHOULD, Clause{Doc: "harness", Quote: "After a refused request, a fresh valid request is still issued a token."}},
}

// FindingDef describes a finding ID for reports.CollectFindings.
func FindingDef(id string) (reports.Finding, bool) {
	d, ok := findingDefs[id]
	if !ok {
		return reports.Finding{}, false
	}
	return reports.Finding{ID: id, Title: d.title, Level: string(d.level), Clause: d.clause.ID(), ClauseURL: d.clause.URL(), Quote: d.clause.Quote}, true
}

// FindingIDs lists every finding ID, sorted.
func FindingIDs() []string {
	out := make([]string, 0, len(findingDefs))
	for id := range findingDefs {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// flawAbout names, for the reference flaws that break a response
// invariant rather than a case's own rule, the finding that is the subject
// of the cases proved by that flaw: those cases exist to catch that breach,
// so it FAILs them instead of being a WARN.
var flawAbout = map[R.Flaw][]string{
	R.ServerErrorOnBad:     {FindServerError},
	R.FormatUnknown500:     {FindServerError},
	R.IatPast500:           {FindServerError},
	R.UnregisteredKidOK:    {FindServerError},
	R.NoSizeLimit:          {FindServerError},
	R.ErrorStatus200:       {FindErrorStatus},
	R.ContentTypeText:      {FindErrorContentType, FindTokenContentType},
	R.WrongErrorCode:       {errorCodeFamily},
	R.ClaimTypeBadRequest:  {errorCodeFamily},
	R.UnsupportedGrantCode: {errorCodeFamily},
	R.EmptyParamNotOmitted: {errorCodeFamily},
	R.ErrorDescCRLF:        {FindErrorDescCharset},
	R.InvalidClient400:     {FindWWWAuthenticate},
	R.NoCacheHeaders:       {FindCacheHeaders},
}

// about reports whether finding id is the case's own subject.
func (c *Case) about(id string) bool {
	if c == nil {
		return false
	}
	for _, a := range append(append([]string(nil), c.About...), flawAbout[c.Flaw]...) {
		if a == id || (a == errorCodeFamily && strings.HasPrefix(id, errorCodeFamily)) {
			return true
		}
	}
	return false
}
