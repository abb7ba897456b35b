// Package loadgen measures how fast an OAuth 2.0 token endpoint verifies
// RFC 7523 JWT assertions, without letting the generator hide the answer.
//
// The load path is one pipeline; each step lives in its own file and
// knows only the step before it:
//
//   - plan.go — Plan: what to run (open model at a rate, or closed model at
//     a concurrency), always bounded by a duration and/or a request count.
//     pacer.go is the open model's schedule, intended send time
//     t_i = start + i/rate; latency is measured from t_i (wrk2), so a stalled
//     endpoint cannot make the generator send less and report less
//     (coordinated omission). Requests sent more than LateAfter behind t_i
//     are counted late; past DropAfter they are not sent and counted dropped
//     (k6 dropped_iterations), a run of missed slots in one step.
//   - scenario.go, pool.go — the assertion pool: the valid request from
//     fixtures/validreq (the one builder), mutated per mix class (mix.go),
//     minted ahead of the schedule on every core, each with a unique jti,
//     discarded when near expiry, never reused.
//   - preflight.go — one valid exchange, judged as the run will judge it,
//     before anything else is spent.
//   - attacker.go, conn.go — the attacker: one goroutine per connection
//     over a lean HTTP/1.1 client or a tuned net/http transport, a run
//     deadline of duration plus one timeout.
//   - classify.go, result.go — the result stream: judge decides what every
//     answer counts as, for both clients and the pre-flight (a token, an
//     RFC 6749 refusal, or an error of a named kind); the attacker emits one
//     Sample per request.
//   - recorder.go — per class and per interval, two HDR histograms (response
//     time from the intended time, service time from the actual send) and
//     counters; memory is flat however long the run.
//   - runfile.go — NDJSON: header + interval lines + summary, histograms
//     encoded losslessly so files from several machines merge exactly;
//     never a token, key or secret. The reader caps sizes and refuses
//     corrupt files.
//   - summary.go, validity.go, threshold.go — the summary, computed in one
//     place (summarize) from the recorder's totals or a run file's
//     intervals; whether the run is a valid measurement at all; CI gates
//     such as p99<50ms.
//   - reports/loadreport — text, Markdown and HTML, merge and compare.
//
// runner.go (Execute) wires the steps together; ceiling.go measures this
// host's raw go-jose verify rate for the same algorithm and key, the
// physical limit beside which an endpoint's throughput is judged.
package loadgen
