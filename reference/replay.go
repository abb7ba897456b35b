package reference

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// replayCache records (iss, jti) until the assertion's exp + leeway (RFC 7523
// §3 item 7). Insert-if-absent happens under one mutex, so of N concurrent
// copies of an assertion exactly one gets through. Its size is bounded: when
// it holds capacity unexpired entries it fails closed (503
// temporarily_unavailable with Retry-After) rather than forget a jti.
type replayCache struct {
	mu        sync.Mutex
	m         map[string]float64
	capacity  int
	nextSweep float64
}

func newReplayCache(capacity int) *replayCache {
	return &replayCache{m: map[string]float64{}, capacity: capacity}
}

func replayErr(p Purpose) *OAuthError {
	return flowErr(p, "RFC 7523 section 3 item 7: this assertion (iss, jti) has already been used")
}

func (c *replayCache) insert(p Purpose, key string, until, now float64) *OAuthError {
	c.mu.Lock()
	defer c.mu.Unlock()
	if exp, ok := c.m[key]; ok && exp > now {
		return replayErr(p)
	}
	if len(c.m) >= c.capacity {
		if now >= c.nextSweep {
			c.sweep(now)
		}
		if len(c.m) >= c.capacity {
			wait := int(math.Ceil(c.nextSweep - now))
			if wait < 1 {
				wait = 1
			}
			return &OAuthError{
				Code:        ErrTemporarilyUnavailable,
				Description: "replay cache full of unexpired assertions; retry later",
				Status:      http.StatusServiceUnavailable,
				Header:      http.Header{"Retry-After": {strconv.Itoa(wait)}},
			}
		}
	}
	c.m[key] = until
	return nil
}

// sweep drops expired entries and remembers when the next one expires, so a
// cache full of live entries is not rescanned on every request.
func (c *replayCache) sweep(now float64) {
	next := math.Inf(1)
	for k, exp := range c.m {
		if exp <= now {
			delete(c.m, k)
		} else if exp < next {
			next = exp
		}
	}
	c.nextSweep = next
}

// racyInsert is the check-then-act cache of flaw jti-replay-racy: the check
// and the write are two critical sections with a storage round trip between.
func (c *replayCache) racyInsert(p Purpose, key string, until, now float64) *OAuthError {
	c.mu.Lock()
	exp, seen := c.m[key]
	c.mu.Unlock()
	if seen && exp > now {
		return replayErr(p)
	}
	time.Sleep(20 * time.Millisecond) // a remote store's round trip
	c.mu.Lock()
	c.m[key] = until
	c.mu.Unlock()
	return nil
}

// reset empties the cache (benchmarks cycling a pool of assertions).
func (c *replayCache) reset() {
	c.mu.Lock()
	c.m = make(map[string]float64, len(c.m))
	c.mu.Unlock()
}
