package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/jwtharness/jwtharness/loadgen"
)

// shardFlags are load's flags for one shard of a split plan (issue 11):
// --shard I/N, --shards N (I from $JOB_COMPLETION_INDEX), --start-at.
type shardFlags struct {
	shard   string
	shards  int
	startAt string
}

func addShardFlags(fl *pflag.FlagSet) *shardFlags {
	sf := &shardFlags{}
	fl.StringVar(&sf.shard, "shard", "", "run shard I of a plan split N ways (I/N): this process sends rate/N (or its share of --concurrency and --requests), with its own pool and jti space")
	fl.IntVar(&sf.shards, "shards", 0, "like --shard, with I from $"+loadgen.CompletionIndexEnv+" (set by a Kubernetes Indexed Job)")
	fl.StringVar(&sf.startAt, "start-at", "", "agreed instant to begin measuring: RFC 3339 (the same on every shard), or +30s from this process's start; the pool is minted just before it; a shard not ready by then records its late start")
	return sf
}

// resolve parses the flags (exit 2 on error, naming the flag).
func (sf *shardFlags) resolve() (loadgen.Shard, time.Time, error) {
	s, err := loadgen.ResolveShard(sf.shard, sf.shards, os.Getenv)
	if err != nil {
		return s, time.Time{}, err
	}
	var at time.Time
	if sf.startAt != "" {
		if at, err = loadgen.ParseStartAt(sf.startAt, time.Now()); err != nil {
			return s, at, err
		}
	}
	return s, at, nil
}

// apply splits the whole plan into this shard's share, gives the shard's
// minter its own jti prefix and records the shard in cfg.
func (sf *shardFlags) apply(whole loadgen.Plan, cfg *loadgen.Config) (loadgen.Plan, error) {
	s, at, err := sf.resolve()
	if err != nil {
		return whole, err
	}
	if !at.IsZero() && time.Until(at) > 24*time.Hour {
		return whole, fmt.Errorf("--start-at %s is more than a day away", at.UTC().Format(time.RFC3339))
	}
	cfg.StartAt = at
	if !s.Sharded() {
		return whole, nil
	}
	norm := whole
	norm.Defaults()
	part, err := s.Split(whole)
	if err != nil {
		return whole, err
	}
	if cfg.Scenario != nil {
		cfg.Scenario.Minter.JTIPrefix = s.JTIPrefix()
	}
	cfg.Shard = &loadgen.ShardInfo{PlanHash: loadgen.PlanHash(norm, s.Count, at), Index: s.Index, Count: s.Count,
		StartAt: at, ClockSource: loadgen.ClockSource()}
	return part, nil
}
