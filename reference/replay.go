package reference

import (
	"math"
	"net/http"
	"strconv"
	"sync"
)

// replayCache records (iss, jti) until the assertion's exp + leeway (RFC 7523
// §3 item 7). It is partitioned by client: each registered client has its
// own partition, with its own lock and its own bound, so that one client's
// flood of fresh jti values can fill only that client's partition and fail
// only that client closed (503 temporarily_unavailable with Retry-After),
// never lock the other clients out. Insert-if-absent happens under the
// partition's mutex, so of N concurrent copies of an assertion exactly one
// gets through.
type replayCache struct {
	parts map[string]*replayPart // by client_id, fixed at start
	other *replayPart            // issuers not in the registry
}

// replayPart is one client's partition: at most capacity live entries.
type replayPart struct {
	mu        sync.Mutex
	m         map[string]float64
	capacity  int
	nextSweep float64
}

func newReplayCache(capacity int, clients []string) *replayCache {
	c := &replayCache{parts: make(map[string]*replayPart, len(clients)), other: newReplayPart(capacity)}
	for _, id := range clients {
		c.parts[id] = newReplayPart(capacity)
	}
	return c
}

func newReplayPart(capacity int) *replayPart {
	return &replayPart{m: map[string]float64{}, capacity: capacity}
}

func (c *replayCache) part(client string) *replayPart {
	if p, ok := c.parts[client]; ok {
		return p
	}
	return c.other
}

func replayErr(p Purpose) *OAuthError {
	return flowErr(p, "RFC 7523 section 3 item 7: this assertion (iss, jti) has already been used")
}

// insert records key in client's partition unless it is there and live.
func (c *replayCache) insert(p Purpose, client, key string, until, now float64) *OAuthError {
	r := c.part(client)
	r.mu.Lock()
	defer r.mu.Unlock()
	if exp, ok := r.m[key]; ok && exp > now {
		return replayErr(p)
	}
	if len(r.m) >= r.capacity {
		if now >= r.nextSweep {
			r.sweep(now)
		}
		if len(r.m) >= r.capacity {
			wait := int(math.Ceil(r.nextSweep - now))
			if wait < 1 {
				wait = 1
			}
			return &OAuthError{
				Code:        ErrTemporarilyUnavailable,
				Description: "this client's replay cache is full of unexpired assertions; retry later",
				Status:      http.StatusServiceUnavailable,
				Header:      http.Header{"Retry-After": {strconv.Itoa(wait)}},
			}
		}
	}
	r.m[key] = until
	return nil
}

// sweep drops expired entries and remembers when the next one expires, so a
// partition full of live entries is not rescanned on every request.
func (r *replayPart) sweep(now float64) {
	next := math.Inf(1)
	for k, exp := range r.m {
		if exp <= now {
			delete(r.m, k)
		} else if exp < next {
			next = exp
		}
	}
	r.nextSweep = next
}

// reset empties every partition (benchmarks cycling a pool of assertions).
func (c *replayCache) reset() {
	for _, r := range append([]*replayPart{c.other}, mapValues(c.parts)...) {
		r.mu.Lock()
		r.m = make(map[string]float64, len(r.m))
		r.mu.Unlock()
	}
}

func mapValues(m map[string]*replayPart) []*replayPart {
	out := make([]*replayPart, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
