package loadgen

import (
	"math"
	"time"
)

// Pacer is the open model's schedule: request i (from 0) is intended to be
// sent at Start + i/Rate. It is a pure function of its fields, so it never
// drifts and never bursts to "catch up": a late request keeps its
// intended time, and latency is measured from it.
type Pacer struct {
	Start time.Time
	Rate  float64 // requests per second, > 0
}

// Offset returns the intended send time of request i relative to Start.
func (p Pacer) Offset(i int64) time.Duration {
	return IntendedOffset(p.Rate, i)
}

// At returns the intended send time of request i.
func (p Pacer) At(i int64) time.Time { return p.Start.Add(p.Offset(i)) }

// Count returns how many requests the schedule holds in [0, d).
func (p Pacer) Count(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(math.Ceil(d.Seconds()*p.Rate - 1e-9))
}

// IntendedOffset is i/rate as a duration, rounded to the nanosecond. It is
// computed from i each time (no accumulated error).
func IntendedOffset(rate float64, i int64) time.Duration {
	if i <= 0 {
		return 0
	}
	return time.Duration(math.Round(float64(i) * 1e9 / rate))
}
