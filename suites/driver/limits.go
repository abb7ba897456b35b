package driver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Limits bound a run against an endpoint that stops answering: once they
// trip, Do sends nothing and returns at once with a KindStopped error, and
// Stopped says why. The zero value sets no limit.
type Limits struct {
	// MaxConsecutiveTimeouts trips the client after this many requests in
	// a row ran out of time (KindTimeout or KindStalled); 0: never.
	MaxConsecutiveTimeouts int
	// Deadline trips the client for every request after it; zero: none.
	Deadline time.Time
}

// SetLimits sets the client's limits and clears a previous trip.
func (c *Client) SetLimits(l Limits) {
	c.breaker.mu.Lock()
	defer c.breaker.mu.Unlock()
	c.breaker.limits = l
	c.breaker.timeout = c.timeout
	c.breaker.run, c.breaker.stopped = 0, nil
}

// Stopped returns why the client's limits stopped it, or nil (also for a
// nil client).
func (c *Client) Stopped() *StoppedError {
	if c == nil {
		return nil
	}
	c.breaker.mu.Lock()
	defer c.breaker.mu.Unlock()
	return c.breaker.stopped
}

// StoppedError is why a client stopped sending.
type StoppedError struct {
	// Timeouts is the run of consecutive timeouts that tripped it (0: the deadline).
	Timeouts int
	// Last is the last timeout.
	Last *TransportError
	// Deadline is set when the run deadline tripped it.
	Deadline time.Time
	// Timeout is the client's per-request timeout.
	Timeout time.Duration
}

func (e *StoppedError) Error() string {
	switch {
	case e.Timeouts > 0 && e.Last != nil && e.Last.Kind == KindStalled:
		return fmt.Sprintf("the endpoint stopped answering after the headers (%d requests in a row without a complete body within %s)", e.Timeouts, e.Timeout)
	case e.Timeouts > 0:
		return fmt.Sprintf("the endpoint stopped answering (%d requests in a row without an answer within %s)", e.Timeouts, e.Timeout)
	}
	return fmt.Sprintf("the run passed its deadline (%s)", e.Deadline.Format(time.TimeOnly))
}

// breaker implements Limits.
type breaker struct {
	mu      sync.Mutex
	limits  Limits
	timeout time.Duration
	run     int // consecutive timeouts
	stopped *StoppedError
}

// check returns a KindStopped error when the client must not send.
func (b *breaker) check() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped == nil && !b.limits.Deadline.IsZero() && time.Now().After(b.limits.Deadline) {
		b.stopped = &StoppedError{Deadline: b.limits.Deadline, Timeout: b.timeout}
	}
	if b.stopped == nil {
		return nil
	}
	return &TransportError{Kind: KindStopped, Reason: "not sent: " + b.stopped.Error(), Err: b.stopped}
}

// record counts the outcome of one request.
func (b *breaker) record(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var te *TransportError
	if !errors.As(err, &te) || !te.Timeout || te.Kind == KindUnreachable {
		b.run = 0
		return
	}
	b.run++
	if n := b.limits.MaxConsecutiveTimeouts; n > 0 && b.run >= n && b.stopped == nil {
		b.stopped = &StoppedError{Timeouts: b.run, Last: te, Timeout: b.timeout}
	}
}

// Ping checks once that the token endpoint answers HTTP completely (any
// status will do). The error reads "cannot reach token endpoint URL:
// cause" when no connection could be made, and "token endpoint URL: what
// went wrong" when the endpoint connected and then misbehaved.
func (c *Client) Ping(ctx context.Context) error {
	ex := c.Do(ctx, &Request{Params: Form("grant_type", "")})
	if ex.Err != nil {
		return &PingError{Endpoint: c.endpoint, Err: ex.Err}
	}
	return nil
}

// PingError is an endpoint that cannot be reached, or that did not answer
// with a complete HTTP response.
type PingError struct {
	Endpoint string
	Err      error
}

func (e *PingError) Error() string { return NoAnswer(e.Endpoint, e.Err) }
func (e *PingError) Unwrap() error { return e.Err }

// NoAnswer is the one-line message for a request to endpoint that got no
// complete answer: "cannot reach token endpoint URL: connection refused"
// only when no connection was made, "token endpoint URL: connected, but
// ..." otherwise.
func NoAnswer(endpoint string, err error) string {
	switch KindOf(err) {
	case KindUnreachable, "":
		return fmt.Sprintf("cannot reach token endpoint %s: %v", endpoint, err)
	}
	return fmt.Sprintf("token endpoint %s: %v", endpoint, err)
}
