// Package loadgen measures how fast an OAuth 2.0 token endpoint verifies
// RFC 7523 JWT assertions, without letting the generator hide the answer.
//
// The pieces are separate and replaceable, in the order data flows:
//
//   - Plan: what to run (open model at a rate, or closed model at a
//     concurrency), always bounded by a duration and/or a request count.
//   - Pacer: the open model's schedule, intended send time t_i = start + i/rate.
//     Latency is measured from t_i (wrk2), so a stalled endpoint cannot make
//     the generator send less and report less (coordinated omission).
//     Requests sent more than LateAfter behind t_i are counted late; past
//     DropAfter they are not sent at all and counted dropped (k6
//     dropped_iterations).
//   - Pool: assertions minted ahead of the schedule on every core, each with
//     a unique jti, discarded when near expiry, never reused. When minting
//     cannot keep up the pool counts it and the attacker waits.
//   - Mix: weighted classes (valid assertions and named mutations) so that
//     the cost of each kind of rejection is measured on its own.
//   - Attacker: one goroutine per connection over a lean HTTP/1.1 client
//     (preformatted requests, bounded responses) or a tuned net/http
//     transport.
//   - Recorder: per class and per 1 s interval, two HDR histograms
//     (response time from the intended time, service time from the actual
//     send) and counters; memory is flat however long the run.
//   - Ceiling: this host's raw go-jose verify rate for the same algorithm
//     and key, per core and on all cores, the physical limit beside which
//     an endpoint's throughput is judged.
//   - Threshold: CI gates such as p99<50ms or error_rate<0.1%.
//   - Run file: NDJSON, header + interval lines + summary, histograms
//     encoded losslessly so files from several machines merge exactly.
//     Never a token, key or secret.
package loadgen
