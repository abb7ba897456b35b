package k8s

import (
	"errors"
	"fmt"
	"time"

	"github.com/jwtharness/jwtharness/fixtures"
)

// MeasureSignCost mints valid assertions for flow with cred on one
// goroutine for about d (at least 5) with fixtures.Minter, the code a
// shard's pool runs, and returns the time one took: the CPU a shard spends
// per fresh assertion, on this machine.
func MeasureSignCost(cred *fixtures.Credential, flow fixtures.Flow, audience string, d time.Duration) (time.Duration, error) {
	if cred == nil {
		return 0, errors.New("sign cost: no credential for the flow and algorithm")
	}
	var m fixtures.Minter
	spec := fixtures.Spec{Flow: flow, Cred: cred, Audience: audience}
	if _, err := m.Mint(spec); err != nil { // warm signer caches
		return 0, fmt.Errorf("sign cost: %w", err)
	}
	start := time.Now()
	n := 0
	for n < 5 || time.Since(start) < d {
		if _, err := m.Mint(spec); err != nil {
			return 0, fmt.Errorf("sign cost: %w", err)
		}
		n++
	}
	return time.Since(start) / time.Duration(n), nil
}
