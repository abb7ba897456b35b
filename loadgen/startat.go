package loadgen

import (
	"context"
	"runtime"
	"time"
)

// StartPlan is when a shard with an agreed start (Config.StartAt) does what:
// it pre-mints just before the schedule begins (minted too early, the pool's
// assertions would go stale before they are sent), and the schedule's first
// slot is StartAt - warm-up, so measuring begins at StartAt on every shard.
type StartPlan struct {
	StartAt  time.Time     // agreed instant measuring begins
	Schedule time.Time     // StartAt - warm-up: the schedule's first slot
	MintFrom time.Time     // when pre-minting begins
	Estimate time.Duration // estimated pre-minting time
}

// planStart estimates how long pre-minting want items takes from the cost
// of one (mintCost, on one core) spread over GOMAXPROCS workers, with a
// margin, and places it before the schedule.
func planStart(startAt time.Time, warmup time.Duration, want int, mintCost time.Duration) StartPlan {
	workers := runtime.GOMAXPROCS(0)
	est := time.Duration(float64(want)*float64(mintCost)/float64(workers)*1.5) + 2*time.Second
	sched := startAt.Add(-warmup)
	return StartPlan{StartAt: startAt, Schedule: sched, MintFrom: sched.Add(-est), Estimate: est}
}

// sleepUntil waits until t or ctx ends.
func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// measureMintCost mints a few assertions on this goroutine and returns the
// time one took.
func measureMintCost(mint func() error) (time.Duration, error) {
	const n = 8
	t0 := time.Now()
	for range n {
		if err := mint(); err != nil {
			return 0, err
		}
	}
	return time.Since(t0) / n, nil
}
