package loadgen

import "time"

// The result stream: what the attacker emits for every request, judged
// (classify.go) and handed to the recorder, which keeps no per-request
// data.

// Outcome classifies one request's answer.
type Outcome uint8

const (
	OutcomeIssued      Outcome = iota // 2xx carrying a token (access_token and token_type)
	OutcomeRejected                   // 4xx carrying an RFC 6749 error body
	OutcomeServerError                // 5xx
	OutcomeOtherStatus                // 1xx, 3xx
	OutcomeNotToken                   // 2xx whose body is not a token: never a verification
	OutcomeUnparseable                // not HTTP, or a 4xx whose body is no RFC 6749 error
	OutcomeTruncated                  // the answer ended before its declared end
	OutcomeOversize                   // headers or body beyond the read cap
	OutcomeTimeout                    // no complete answer within Plan.Timeout
	OutcomeConnError                  // connect, write or read failure before an answer
)

// answered reports whether the outcome is an HTTP answer judged by its
// status and body (as opposed to a fault reading it).
func (o Outcome) answered() bool { return o <= OutcomeNotToken }

// Sample is one request as the attacker saw it. It is recorded and
// forgotten: the recorder keeps no per-request data.
type Sample struct {
	Class     int
	Intended  time.Time // open model: the schedule's t_i; closed: = Sent
	Sent      time.Time
	Done      time.Time
	Status    int
	ErrorCode int // index into ErrorCodes, -1 none
	Outcome   Outcome
	Late      bool
	BytesIn   int64
	BytesOut  int64
}

// ErrorCodes are the RFC 6749 §5.2 (and RFC 6750, 8693) error codes the
// recorder counts by name; anything else is "other".
var ErrorCodes = []string{
	"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
	"unsupported_grant_type", "invalid_scope", "access_denied", "server_error",
	"temporarily_unavailable", "invalid_target", "other",
}

const errCodeOther = 10
