package loadgen

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Ceiling is this host's raw signature verification rate with go-jose for
// one algorithm and key: compact parse + verify, no HTTP, no claims checks.
// An endpoint on the same host cannot verify faster than this.
type Ceiling struct {
	Alg      string   `json:"alg"`
	KeyBits  int      `json:"key_bits,omitempty"`
	PerCore  float64  `json:"per_core"`  // verifies/s on one goroutine
	AllCores float64  `json:"all_cores"` // verifies/s on Cores goroutines
	Cores    int      `json:"cores"`
	Measured Duration `json:"measured"` // time spent per phase
}

// String is one line for humans.
func (c *Ceiling) String() string {
	if c == nil {
		return "not measured"
	}
	bits := ""
	if c.KeyBits > 0 {
		bits = fmt.Sprintf("-%d", c.KeyBits)
	}
	return fmt.Sprintf("%s%s raw go-jose verify: %.0f/s on 1 core, %.0f/s on %d cores", c.Alg, bits, c.PerCore, c.AllCores, c.Cores)
}

// MeasureCeiling verifies token with key (the public key, or the HMAC
// secret) as fast as it can, first on one goroutine, then on cores
// goroutines (0 = GOMAXPROCS), each phase for d.
func MeasureCeiling(ctx context.Context, token string, alg jose.SignatureAlgorithm, key any, keyBits, cores int, d time.Duration) (*Ceiling, error) {
	if cores <= 0 {
		cores = runtime.GOMAXPROCS(0)
	}
	verify := func() error {
		sig, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{alg})
		if err != nil {
			return err
		}
		_, err = sig.Verify(key)
		return err
	}
	if err := verify(); err != nil {
		return nil, fmt.Errorf("ceiling: the sample assertion does not verify with its own key: %w", err)
	}
	one := measure(ctx, verify, 1, d)
	all := one
	if cores > 1 {
		all = measure(ctx, verify, cores, d)
	}
	return &Ceiling{Alg: string(alg), KeyBits: keyBits, PerCore: one, AllCores: all, Cores: cores, Measured: Duration(d)}, nil
}

func measure(ctx context.Context, f func() error, n int, d time.Duration) float64 {
	var ops atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	t0 := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				for j := 0; j < 16; j++ {
					_ = f()
				}
				ops.Add(16)
				if time.Now().After(deadline) {
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(ops.Load()) / time.Since(t0).Seconds()
}
