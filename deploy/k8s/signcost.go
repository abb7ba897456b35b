package k8s

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/jwtharness/jwtharness/fixtures"
)

// MeasureSignCost mints valid assertions for flow with cred on one
// goroutine locked to its OS thread for about d of that thread's CPU time
// (at least 5 assertions) with fixtures.Minter, the code a shard's pool
// runs, and returns the CPU time one took: the cost a shard pays per fresh
// assertion, on this machine's cores. CPU time, not wall time, so a busy
// machine does not inflate it (where the thread's CPU clock is unavailable
// it falls back to wall time and says so in how).
func MeasureSignCost(cred *fixtures.Credential, flow fixtures.Flow, audience string, d time.Duration) (cost time.Duration, how string, err error) {
	if cred == nil {
		return 0, "", errors.New("sign cost: no credential for the flow and algorithm")
	}
	var m fixtures.Minter
	spec := fixtures.Spec{Flow: flow, Cred: cred, Audience: audience}
	if _, err := m.Mint(spec); err != nil { // warm signer caches
		return 0, "", fmt.Errorf("sign cost: %w", err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	clock, how := threadCPU, "thread CPU time"
	if _, ok := clock(); !ok {
		clock, how = func() (time.Duration, bool) { return time.Duration(time.Now().UnixNano()), true }, "wall time"
	}
	start, _ := clock()
	n := 0
	for {
		if _, err := m.Mint(spec); err != nil {
			return 0, "", fmt.Errorf("sign cost: %w", err)
		}
		n++
		now, _ := clock()
		if n >= 5 && now-start >= d {
			return (now - start) / time.Duration(n), how, nil
		}
	}
}
