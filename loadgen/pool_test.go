package loadgen

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

func counterMint() (MintFunc, *atomic.Int64) {
	var n atomic.Int64
	return func(k int) (Item, error) {
		i := n.Add(1)
		return Item{Body: []byte(strconv.Itoa(k) + ":" + strconv.FormatInt(i, 10))}, nil
	}, &n
}

// Every item is handed out once, in the class asked for; a budget stops
// minting at what the run needs.
func TestPoolUniqueAndBudget(t *testing.T) {
	mix := []MixEntry{{Name: "a", Weight: 8}, {Name: "b", Weight: 1}, {Name: "c", Weight: 1}}
	mint, minted := counterMint()
	p := NewPool(mix, mint, PoolOptions{Workers: 2, Capacity: 2000, Budget: 1000})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p.Start(ctx)
	defer p.Stop()
	if err := p.Fill(ctx, 1000, nil); err != nil {
		t.Fatal(err)
	}
	sel := NewSelector(mix)
	seen := map[string]bool{}
	for i := int64(0); i < 1000; i++ {
		k := sel.Class(i)
		it, err := p.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		b := string(it.Body)
		if seen[b] || b[0] != "abc"[k]-'a'+'0' {
			t.Fatalf("item %q reused or of the wrong class (want %d)", b, k)
		}
		seen[b] = true
	}
	time.Sleep(50 * time.Millisecond)
	// The bound: each class's part of the budget (its rounded-up share plus
	// one selector window and 16 of slack), plus one mint per worker per
	// class that passed the budget check just before the part was reached.
	limit := int64(2 * len(mix))
	for _, b := range p.budgetK {
		limit += b
	}
	if m := minted.Load(); m > limit {
		t.Errorf("minted %d for a budget of 1000 (limit %d)", m, limit)
	}
	if s := p.Stats(); s.Starved != 0 {
		t.Errorf("starved %d with a full pool", s.Starved)
	}
}

// A budget that is too small is lifted rather than hanging the run.
func TestPoolBudgetTooSmallIsLifted(t *testing.T) {
	mix := []MixEntry{{Name: "a", Weight: 1}, {Name: "b", Weight: 1}}
	mint, _ := counterMint()
	p := NewPool(mix, mint, PoolOptions{Workers: 2, Capacity: 100, Budget: 20})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p.Start(ctx)
	defer p.Stop()
	for i := 0; i < 300; i++ {
		if _, err := p.Get(ctx, i%2); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if s := p.Stats(); s.Starved == 0 {
		t.Error("no starvation counted")
	}
}

// Stale items are discarded, never handed out.
func TestPoolDiscardsStale(t *testing.T) {
	mix := []MixEntry{{Name: "a", Weight: 1}}
	now := time.Now()
	var n atomic.Int64
	mint := func(int) (Item, error) {
		i := n.Add(1)
		st := now.Add(time.Hour)
		if i <= 5 {
			st = now.Add(-time.Second) // already stale
		}
		return Item{Body: []byte(strconv.FormatInt(i, 10)), StaleAt: st}, nil
	}
	p := NewPool(mix, mint, PoolOptions{Workers: 1, Capacity: 16})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p.Start(ctx)
	defer p.Stop()
	if err := p.Fill(ctx, 16, nil); err != nil {
		t.Fatal(err)
	}
	it, err := p.Get(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if string(it.Body) != "6" || p.Stats().Discarded != 5 {
		t.Errorf("got %q, discarded %d", it.Body, p.Stats().Discarded)
	}
}
