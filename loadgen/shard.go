package loadgen

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Shard is one part of a plan split over Count generators (issue 11): it
// sends 1/Count of the plan's load, mints its own assertions with a jti
// space no other shard shares, and starts measuring at the plan's agreed
// instant. The zero Shard is an unsplit run.
type Shard struct {
	Index, Count int
}

// Sharded reports whether s splits a plan.
func (s Shard) Sharded() bool { return s.Count > 0 }

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// MaxShards bounds a plan's shard count.
const MaxShards = 10_000

// ParseShard reads "I/N" (0 ≤ I < N).
func ParseShard(v string) (Shard, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(v), "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || n > MaxShards || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("--shard %q: want I/N with 0 ≤ I < N ≤ %d, e.g. 0/3", v, MaxShards)
	}
	return Shard{Index: i, Count: n}, nil
}

// CompletionIndexEnv is the variable a Kubernetes Indexed Job sets to the
// pod's index: with --shards N it gives I.
const CompletionIndexEnv = "JOB_COMPLETION_INDEX"

// ResolveShard turns the --shard and --shards flags and the environment
// into a Shard: --shard I/N wins; --shards N takes I from
// JOB_COMPLETION_INDEX; neither is an unsplit run.
func ResolveShard(shard string, shards int, getenv func(string) string) (Shard, error) {
	switch {
	case shard != "" && shards != 0:
		return Shard{}, fmt.Errorf("--shards: give --shard I/N, or --shards N with I from $%s, not both", CompletionIndexEnv)
	case shard != "":
		return ParseShard(shard)
	case shards < 0 || shards > MaxShards:
		return Shard{}, fmt.Errorf("--shards %d: want 1 to %d", shards, MaxShards)
	case shards > 0:
		v := getenv(CompletionIndexEnv)
		if v == "" {
			return Shard{}, fmt.Errorf("--shards %d: $%s is not set (a Kubernetes Indexed Job sets it); give --shard I/N", shards, CompletionIndexEnv)
		}
		s, err := ParseShard(v + "/" + strconv.Itoa(shards))
		if err != nil {
			return Shard{}, fmt.Errorf("$%s=%q with --shards %d: want an index 0 to %d", CompletionIndexEnv, v, shards, shards-1)
		}
		return s, nil
	}
	return Shard{}, nil
}

// Split returns this shard's part of the whole plan p: rate/N (open) or
// the shard's share of the connections and requests (closed; the first
// shards take the remainder). It refuses a plan with fewer connections or
// requests than shards.
func (s Shard) Split(p Plan) (Plan, error) {
	if !s.Sharded() {
		return p, nil
	}
	part := func(total int64) int64 {
		q, r := total/int64(s.Count), total%int64(s.Count)
		if int64(s.Index) < r {
			q++
		}
		return q
	}
	switch p.Model {
	case ModelOpen:
		p.Rate /= float64(s.Count)
	case ModelClosed:
		if p.Concurrency < s.Count {
			return p, fmt.Errorf("--concurrency %d cannot be split over %d shards", p.Concurrency, s.Count)
		}
		p.Concurrency = int(part(int64(p.Concurrency)))
	}
	if p.Requests > 0 {
		if p.Requests < int64(s.Count) {
			return p, fmt.Errorf("--requests %d cannot be split over %d shards", p.Requests, s.Count)
		}
		p.Requests = part(p.Requests)
	}
	return p, nil
}

// JTIPrefix is prepended to every jti the shard mints: "I." — '.' is not
// in the base64url alphabet of fixtures.NewJTI, so the jti spaces of two
// shards are disjoint by construction, not by chance.
func (s Shard) JTIPrefix() string {
	if !s.Sharded() {
		return ""
	}
	return strconv.Itoa(s.Index) + "."
}

// PlanHash identifies one distributed run: the whole plan (before
// splitting), the shard count and the agreed start. Shards of one run share
// it; merge refuses files whose hashes differ.
func PlanHash(whole Plan, shards int, startAt time.Time) string {
	whole.Machines = 0
	b, _ := json.Marshal(struct {
		Plan    Plan   `json:"plan"`
		Shards  int    `json:"shards"`
		StartAt string `json:"start_at,omitempty"`
	}{whole, shards, formatStart(startAt)})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

func formatStart(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// ParseStartAt reads --start-at: an RFC 3339 instant, or +DURATION from now.
func ParseStartAt(v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	if rest, ok := strings.CutPrefix(v, "+"); ok {
		d, err := time.ParseDuration(rest)
		if err != nil || d <= 0 {
			return time.Time{}, fmt.Errorf("--start-at %q: want +DURATION such as +30s, or an RFC 3339 instant", v)
		}
		return now.Add(d), nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("--start-at %q: want an RFC 3339 instant such as 2026-11-30T12:00:00Z, or +30s", v)
	}
	return t, nil
}

// ShardInfo is what a shard's run file says about its part in the plan
// (Machine.Shard): merge checks it, reports show it per machine.
type ShardInfo struct {
	PlanHash string `json:"plan_hash"`
	Index    int    `json:"index"`
	Count    int    `json:"count"`
	// StartAt is the agreed instant measuring starts (zero: none agreed).
	StartAt time.Time `json:"start_at,omitzero"`
	// StartOffset is how far after StartAt this shard's schedule actually
	// began (0 when it was ready in time; slots it missed are counted
	// dropped, its intervals stay on the wall-clock grid).
	StartOffset Duration `json:"start_offset"`
	// Ready is how long before StartAt the shard had its pool minted
	// (negative: late by that much).
	Ready Duration `json:"ready_before_start"`
	// ClockSource says how this host's wall clock is kept (kernel clock
	// source, NTP synchronisation and estimated error when known).
	ClockSource string `json:"clock_source"`
}

// Late reports whether the shard missed the agreed start.
func (si *ShardInfo) Late() bool { return si != nil && si.StartOffset > 0 }

// MachineResult is one machine's own figures inside a merged run (set by
// merge from that machine's run file), so a slow or generator-bound shard
// shows beside the whole.
type MachineResult struct {
	Sent       int64   `json:"sent"`
	AsExpected int64   `json:"as_expected"`
	OKRate     float64 `json:"ok_rate"`             // answers as expected per second
	P99        int64   `json:"p99_us"`              // response time, all classes
	CPUShare   float64 `json:"cpu_share,omitempty"` // generator CPU / GOMAXPROCS
	Starved    int64   `json:"pool_starved"`        // requests that waited for an assertion
	Ceiling    float64 `json:"ceiling_all_cores"`   // this host's raw verify rate (0: not measured)
	Dropped    int64   `json:"dropped"`
}
