package loadgen

import (
	"context"
	"errors"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Item is one pre-minted request body: the url-encoded token request form
// holding a fresh assertion. It is used once.
type Item struct {
	Body []byte
	// StaleAt is when the item must no longer be sent (its assertion would
	// be too close to expiry for the endpoint to accept it as valid).
	StaleAt time.Time
}

// MintFunc builds one fresh request body for class k (index into the mix).
// It must return a new assertion (unique jti) on every call and be safe
// for concurrent use.
type MintFunc func(class int) (Item, error)

// PoolOptions tunes a Pool. Zero values have defaults.
type PoolOptions struct {
	// Workers minting in parallel; 0 = GOMAXPROCS.
	Workers int
	// Capacity is the total number of items held, split by class weight;
	// 0 = 4096.
	Capacity int
	// Now is the clock used for StaleAt; nil = time.Now.
	Now func() time.Time
	// Budget, when > 0, is how many items the run will use in all. It is
	// split by class share (plus one selector window of slack), and a
	// class stops minting while its used + held reaches its part (a
	// discarded stale item makes room again), so a bounded run mints
	// nothing it will not send and minting does not compete with sending
	// once the pool holds enough. Should a Get ever find its class empty
	// with the budget reached, the budget is lifted: a wrong estimate costs
	// CPU, never a hang.
	Budget int64
}

// PoolStats are the pool's counters.
type PoolStats struct {
	Minted    int64         `json:"minted"`
	Used      int64         `json:"used"`
	Discarded int64         `json:"discarded"`   // stale before use
	Starved   int64         `json:"starved"`     // Get found the class empty and waited
	Waited    Duration      `json:"waited"`      // total time Gets waited
	Errors    int64         `json:"mint_errors"` // MintFunc failures
	LastError string        `json:"last_error,omitempty"`
	Held      int           `json:"held"`
	MintRate  float64       `json:"mint_rate"` // items/s over the pool's life
	Elapsed   time.Duration `json:"-"`
}

// Pool holds pre-minted assertions per class, minted on all cores ahead of
// the schedule and in the background during the run. An item is handed
// out once; stale items are discarded, never sent. When minting cannot
// keep up Get waits and the pool counts it (Starved, Waited): it never
// reuses an assertion.
type Pool struct {
	mint    MintFunc
	sel     *Selector
	queues  []chan Item
	opts    PoolOptions
	started time.Time

	minted, used, discarded, starved, waitedNs, errs atomic.Int64
	usedK                                            []atomic.Int64
	budgetK                                          []int64
	lifted                                           atomic.Bool
	lastErr                                          atomic.Value // string

	wg     sync.WaitGroup
	cancel context.CancelFunc
	fatal  chan error
}

// NewPool makes a pool for the mix; it mints nothing until Start.
func NewPool(mix []MixEntry, mint MintFunc, opts PoolOptions) *Pool {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.Capacity <= 0 {
		opts.Capacity = 4096
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	total := 0
	for _, e := range mix {
		total += e.Weight
	}
	p := &Pool{mint: mint, sel: NewSelector(mix), opts: opts, fatal: make(chan error, 1)}
	for _, e := range mix {
		c := opts.Capacity * e.Weight / total
		if c < 16 {
			c = 16
		}
		p.queues = append(p.queues, make(chan Item, c))
	}
	p.usedK = make([]atomic.Int64, len(mix))
	p.budgetK = make([]int64, len(mix))
	if opts.Budget > 0 {
		for k := range mix {
			share := p.sel.Share(k)
			p.budgetK[k] = int64(math.Ceil(float64(opts.Budget)*share)) + int64(len(p.sel.table)) + 16
		}
	}
	return p
}

// Start launches the minting workers; they run until ctx ends or Stop.
func (p *Pool) Start(ctx context.Context) {
	ctx, p.cancel = context.WithCancel(ctx)
	p.started = time.Now()
	for w := 0; w < p.opts.Workers; w++ {
		p.wg.Add(1)
		go p.worker(ctx, int64(w))
	}
}

// Stop ends minting and waits for the workers.
func (p *Pool) Stop() {
	if p.cancel != nil {
		p.cancel()
	}
	p.wg.Wait()
}

// errTooManyMintErrors stops a pool whose MintFunc keeps failing.
var errTooManyMintErrors = errors.New("minting keeps failing")

func (p *Pool) worker(ctx context.Context, w int64) {
	defer p.wg.Done()
	// Workers walk the mix's selector from different offsets so every
	// class fills at its share.
	seq := w * 7919
	idle := time.NewTimer(time.Hour)
	idle.Stop()
	for ctx.Err() == nil {
		k := -1
		for try := 0; try < len(p.sel.table); try++ {
			c := p.sel.Class(seq)
			seq++
			if len(p.queues[c]) < cap(p.queues[c]) && !p.overBudget(c) {
				k = c
				break
			}
		}
		if k < 0 { // every queue full (or budget reached): rest a moment
			idle.Reset(2 * time.Millisecond)
			select {
			case <-ctx.Done():
				return
			case <-idle.C:
			}
			continue
		}
		it, err := p.mint(k)
		if err != nil {
			n := p.errs.Add(1)
			p.lastErr.Store(err.Error())
			if n >= 100 && p.minted.Load() == 0 {
				select {
				case p.fatal <- errors.Join(errTooManyMintErrors, err):
				default:
				}
				return
			}
			continue
		}
		p.minted.Add(1)
		select {
		case p.queues[k] <- it:
		case <-ctx.Done():
			return
		}
	}
}

// overBudget reports whether class k holds all it will need.
func (p *Pool) overBudget(k int) bool {
	b := p.budgetK[k]
	return b > 0 && !p.lifted.Load() && p.usedK[k].Load()+int64(len(p.queues[k])) >= b
}

// fillable is the most items the pool will hold at once.
func (p *Pool) fillable() int {
	n := 0
	for k, q := range p.queues {
		c := int64(cap(q))
		if b := p.budgetK[k]; b > 0 && b < c {
			c = b
		}
		n += int(c)
	}
	return n
}

// Fill waits until the pool holds at least n items (capped at its
// capacity), calling progress (may be nil) with the count held.
func (p *Pool) Fill(ctx context.Context, n int, progress func(held, want int)) error {
	if c := p.fillable(); n > c {
		n = c
	}
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		h := p.Held()
		if progress != nil {
			progress(h, n)
		}
		if h >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-p.fatal:
			return err
		case <-t.C:
		}
	}
}

// Capacity is the number of items the pool can hold.
func (p *Pool) Capacity() int {
	n := 0
	for _, q := range p.queues {
		n += cap(q)
	}
	return n
}

// Held is the number of items waiting in the pool.
func (p *Pool) Held() int {
	n := 0
	for _, q := range p.queues {
		n += len(q)
	}
	return n
}

// Get hands out one fresh item of class k, waiting when the class is
// empty (counted as starved). Stale items are discarded.
func (p *Pool) Get(ctx context.Context, k int) (Item, error) {
	q := p.queues[k]
	for {
		var it Item
		// Counted as used before it leaves the queue: a minting worker
		// reading used + held (overBudget) must never see an item that is
		// in neither, or it mints one more than the budget for every Get.
		p.usedK[k].Add(1)
		select {
		case it = <-q:
		default:
			p.usedK[k].Add(-1)
			p.starved.Add(1)
			if p.overBudget(k) {
				p.lifted.Store(true)
			}
			t0 := time.Now()
			select {
			case it = <-q:
			case <-ctx.Done():
				p.waitedNs.Add(int64(time.Since(t0)))
				return Item{}, ctx.Err()
			case err := <-p.fatal:
				p.fatal <- err
				return Item{}, err
			}
			p.usedK[k].Add(1)
			p.waitedNs.Add(int64(time.Since(t0)))
		}
		if !it.StaleAt.IsZero() && !p.opts.Now().Before(it.StaleAt) {
			p.usedK[k].Add(-1) // a discarded item makes room again
			p.discarded.Add(1)
			continue
		}
		p.used.Add(1)
		return it, nil
	}
}

// Stats returns the counters so far.
func (p *Pool) Stats() PoolStats {
	s := PoolStats{
		Minted:    p.minted.Load(),
		Used:      p.used.Load(),
		Discarded: p.discarded.Load(),
		Starved:   p.starved.Load(),
		Waited:    Duration(p.waitedNs.Load()),
		Errors:    p.errs.Load(),
		Held:      p.Held(),
	}
	if v, ok := p.lastErr.Load().(string); ok {
		s.LastError = v
	}
	if !p.started.IsZero() {
		s.Elapsed = time.Since(p.started)
		if s.Elapsed > 0 {
			s.MintRate = float64(s.Minted) / s.Elapsed.Seconds()
		}
	}
	return s
}
