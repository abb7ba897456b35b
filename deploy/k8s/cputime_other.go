//go:build !linux

package k8s

import "time"

// threadCPU is unavailable here: MeasureSignCost falls back to wall time.
func threadCPU() (time.Duration, bool) { return 0, false }
