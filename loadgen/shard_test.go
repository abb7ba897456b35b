package loadgen

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures"
)

func TestParseShard(t *testing.T) {
	for in, want := range map[string]Shard{"0/1": {0, 1}, "2/3": {2, 3}, " 9/10 ": {9, 10}} {
		got, err := ParseShard(in)
		if err != nil || got != want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "3", "3/3", "-1/3", "1/0", "a/b", "1/3/4", "0/10001"} {
		if _, err := ParseShard(bad); err == nil || !strings.Contains(err.Error(), "--shard") {
			t.Errorf("ParseShard(%q) = %v, want an error naming --shard", bad, err)
		}
	}
}

func TestResolveShard(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == CompletionIndexEnv {
				return v
			}
			return ""
		}
	}
	for _, tc := range []struct {
		shard  string
		shards int
		env    string
		want   Shard
		errHas string
	}{
		{"", 0, "", Shard{}, ""},
		{"", 0, "4", Shard{}, ""}, // the index alone does not split a plan
		{"1/3", 0, "", Shard{1, 3}, ""},
		{"", 3, "2", Shard{2, 3}, ""},
		{"", 3, "", Shard{}, "JOB_COMPLETION_INDEX is not set"},
		{"", 3, "3", Shard{}, "want an index 0 to 2"},
		{"", 3, "x", Shard{}, "want an index 0 to 2"},
		{"1/3", 3, "1", Shard{}, "--shards"},
		{"", -1, "", Shard{}, "--shards"},
	} {
		got, err := ResolveShard(tc.shard, tc.shards, env(tc.env))
		if tc.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("%q %d env %q: %v, want error with %q", tc.shard, tc.shards, tc.env, err, tc.errHas)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q %d env %q: %v %v, want %v", tc.shard, tc.shards, tc.env, got, err, tc.want)
		}
	}
}

func TestSplit(t *testing.T) {
	open := Plan{Model: ModelOpen, Rate: 900, Requests: 10}
	var rate float64
	var reqs int64
	for i := range 3 {
		p, err := Shard{i, 3}.Split(open)
		if err != nil {
			t.Fatal(err)
		}
		rate += p.Rate
		reqs += p.Requests
		if p.Rate != 300 {
			t.Errorf("shard %d rate %v, want 300", i, p.Rate)
		}
	}
	if rate != 900 || reqs != 10 {
		t.Errorf("shares add up to rate %v requests %d, want 900 and 10", rate, reqs)
	}
	closed := Plan{Model: ModelClosed, Concurrency: 8}
	conc := 0
	for i := range 3 {
		p, err := Shard{i, 3}.Split(closed)
		if err != nil {
			t.Fatal(err)
		}
		conc += p.Concurrency
	}
	if conc != 8 {
		t.Errorf("connections add up to %d, want 8", conc)
	}
	if _, err := (Shard{0, 9}).Split(closed); err == nil {
		t.Error("8 connections split 9 ways")
	}
	if p, _ := (Shard{}).Split(open); p.Rate != 900 {
		t.Error("an unsplit plan changed")
	}
}

// TestShardJTIsDisjoint mints with each shard's prefix: every jti carries
// its shard's prefix, so no jti of one shard can equal another's.
func TestShardJTIsDisjoint(t *testing.T) {
	cred, err := fixtures.GenerateCredential("c", "HS256", fixtures.CertValid, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for i := range 12 {
		s := Shard{i, 12}
		m := &fixtures.Minter{JTIPrefix: s.JTIPrefix()}
		for range 50 {
			jti := m.Claims(fixtures.Spec{Flow: fixtures.FlowClientSecretJWT, Cred: cred, Audience: "a"})["jti"].(string)
			if !strings.HasPrefix(jti, s.JTIPrefix()) || strings.Contains(strings.TrimPrefix(jti, s.JTIPrefix()), ".") {
				t.Fatalf("shard %d minted jti %q", i, jti)
			}
			if j, dup := seen[jti]; dup {
				t.Fatalf("jti %q minted by shards %d and %d", jti, j, i)
			}
			seen[jti] = i
		}
	}
	if (Shard{}).JTIPrefix() != "" {
		t.Error("an unsplit run prefixes its jti")
	}
}

func TestPlanHash(t *testing.T) {
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	p := Plan{Model: ModelOpen, Rate: 900, Duration: Duration(time.Minute), Target: "http://127.0.0.1:1/token"}
	h := PlanHash(p, 3, at)
	if h != PlanHash(p, 3, at) || len(h) != 16 {
		t.Fatalf("hash %q not stable", h)
	}
	q := p
	q.Machines = 5 // set by merge, not part of the plan
	if PlanHash(q, 3, at) != h {
		t.Error("Machines changed the hash")
	}
	for name, other := range map[string]string{
		"rate":     PlanHash(Plan{Model: ModelOpen, Rate: 901, Duration: p.Duration, Target: p.Target}, 3, at),
		"shards":   PlanHash(p, 4, at),
		"start-at": PlanHash(p, 3, at.Add(time.Second)),
	} {
		if other == h {
			t.Errorf("a different %s gives the same hash", name)
		}
	}
}

func TestParseStartAt(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"+30s":                        now.Add(30 * time.Second),
		"2026-11-30T12:01:00Z":        now.Add(time.Minute),
		"2026-11-30T13:01:00.5+01:00": now.Add(time.Minute + 500*time.Millisecond),
	} {
		got, err := ParseStartAt(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "+", "+-1s", "soon", "12:00"} {
		if _, err := ParseStartAt(bad, now); err == nil || !strings.Contains(err.Error(), "--start-at") {
			t.Errorf("%q: %v, want an error naming --start-at", bad, err)
		}
	}
}

func TestPlanStart(t *testing.T) {
	at := time.Now().Add(time.Hour)
	sp := planStart(at, 10*time.Second, 1000, time.Millisecond)
	if !sp.Schedule.Equal(at.Add(-10*time.Second)) || !sp.MintFrom.Before(sp.Schedule) || sp.Estimate < 2*time.Second {
		t.Errorf("start plan %+v", sp)
	}
}

// TestLateStart runs a shard whose agreed start has already passed: it
// says so (a LATE START note, its start offset), still measures from the
// agreed instant (intervals not shifted), and counts the slots it missed
// as dropped.
func TestLateStart(t *testing.T) {
	emb, err := StartEmbedded(fixtures.FlowJWTBearer, jose.ES256, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	mix := []MixEntry{{Name: ClassValid, Weight: 1}}
	sc, err := NewScenario(emb.Target, fixtures.FlowJWTBearer, jose.ES256, mix)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(emb.Target.TokenEndpoint)
	startAt := time.Now().Add(-1500 * time.Millisecond)
	info := &ShardInfo{PlanHash: "x", Index: 0, Count: 1, StartAt: startAt}
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	run, err := Execute(ctx, Config{
		Plan:     Plan{Model: ModelOpen, Rate: 100, Duration: Duration(2 * time.Second), Mix: mix, Target: u.String()},
		Endpoint: &Endpoint{URL: u, ContentType: "application/x-www-form-urlencoded", Timeout: 5 * time.Second},
		Scenario: sc, Out: &out, Shard: info, StartAt: startAt,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !run.Header.Start.Equal(startAt) {
		t.Errorf("measured from %s, agreed %s", run.Header.Start, startAt)
	}
	if info.StartOffset.D() < time.Second || !info.Late() || run.Header.Machines[0].Shard != info {
		t.Errorf("start offset %s (late %v), want ≥ 1.5s recorded in the header", info.StartOffset.D(), info.Late())
	}
	if !strings.Contains(strings.Join(run.Header.Notes, "\n"), "LATE START") {
		t.Errorf("notes %q lack LATE START", run.Header.Notes)
	}
	if c := run.Summary.All.Counters; c.Dropped < 50 || c.Dropped+c.Sent < 190 {
		t.Errorf("dropped %d sent %d: the ~150 slots missed before the late start should count dropped", c.Dropped, c.Sent)
	}
}
