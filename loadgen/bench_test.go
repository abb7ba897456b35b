package loadgen

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"sync"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures"
)

var (
	benchOnce sync.Once
	benchSc   *Scenario
	benchErr  error
)

func benchScenario(b *testing.B) *Scenario {
	benchOnce.Do(func() {
		emb, err := StartEmbedded(fixtures.FlowJWTBearer, jose.RS256, 2048)
		if err != nil {
			benchErr = err
			return
		}
		// The server is not used: only its target description and keys.
		emb.Close()
		benchSc, benchErr = NewScenario(emb.Target, fixtures.FlowJWTBearer, jose.RS256, []MixEntry{{Name: ClassValid, Weight: 1}})
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchSc
}

// BenchmarkPoolFill measures pre-minting RS256-2048 assertions into a pool
// with one minting worker per GOMAXPROCS. Compare -cpu 1 and -cpu 2:
//
//	go test ./loadgen -run '^$' -bench PoolFill -cpu 1,2 -benchtime 2000x
func BenchmarkPoolFill(b *testing.B) {
	sc := benchScenario(b)
	b.ResetTimer()
	p := NewPool(sc.Mix, sc.Mint, PoolOptions{Capacity: b.N + 16, Budget: int64(b.N)})
	p.Start(context.Background())
	if err := p.Fill(context.Background(), b.N, nil); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	p.Stop()
}

// BenchmarkRawSign is the control for BenchmarkPoolFill: the same key
// signing a SHA-256 digest with crypto/rsa directly, one goroutine per
// GOMAXPROCS. Its -cpu 2 / -cpu 1 ratio is what the hardware allows at
// that moment; the pool's ratio is judged against it.
func BenchmarkRawSign(b *testing.B) {
	sc := benchScenario(b)
	key := sc.Cred.Key.(*rsa.PrivateKey)
	digest := sha256.Sum256([]byte("jwtharness"))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:]); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkRecord measures the recorder's hot path (one sample).
func BenchmarkRecord(b *testing.B) {
	r := NewRecorder([]MixEntry{{Name: ClassValid, Weight: 1}}, 8)
	var s Sample
	s.Done = s.Sent.Add(1500_000)
	s.Intended = s.Sent
	s.Status, s.ErrorCode = 200, -1
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			r.Record(i, &s)
			i++
		}
	})
}
