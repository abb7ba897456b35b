package reference

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtharness/jwtharness/fixtures"
)

// TestReplayFairness: one client flooding fresh jti values fills only its
// own replay partition and is failed closed (503 temporarily_unavailable,
// Retry-After); during the flood, sequential and concurrent, every other
// client still gets tokens.
func TestReplayFairness(t *testing.T) {
	const capacity, flood = 30, 45 // bounded: 45 flood requests over loopback
	e := newEnv(t, Options{ReplayCapacity: capacity})
	hs, pk, grant := fixtures.FlowClientSecretJWT, fixtures.FlowPrivateKeyJWT, fixtures.FlowJWTBearer
	var issued, full int
	for i := 0; i < flood; i++ {
		r := e.send(hs, "valid")
		switch {
		case r.issued():
			issued++
		case r.status == http.StatusServiceUnavailable && r.code() == ErrTemporarilyUnavailable && r.header.Get("Retry-After") != "":
			full++
		default:
			t.Fatalf("flood request %d: HTTP %d %s", i, r.status, r.body)
		}
		if i%5 == 4 { // the other clients, while the flood goes on
			if r := e.send(pk, "valid"); !r.issued() {
				t.Fatalf("after %d flood requests, client-ec (private_key_jwt) got HTTP %d %s", i+1, r.status, r.body)
			}
			if r := e.send(grant, "valid"); !r.issued() {
				t.Fatalf("after %d flood requests, client-rsa (jwt-bearer with jti) got HTTP %d %s", i+1, r.status, r.body)
			}
		}
	}
	if issued != capacity || full != flood-capacity {
		t.Fatalf("flooding client: %d issued, %d refused as full; want %d and %d", issued, full, capacity, flood-capacity)
	}

	// The same while the flood runs concurrently: 4 flooders x 20 requests
	// against the full partition, and 10 requests of another client.
	toks := make([][]string, 4)
	for i := range toks {
		for j := 0; j < 20; j++ {
			toks[i] = append(toks[i], e.mustMint(hs, nil, "valid"))
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for _, batch := range toks {
		wg.Add(1)
		go func(batch []string) {
			defer wg.Done()
			for _, tok := range batch {
				res, err := e.srv.Client().PostForm(e.srv.TokenURL, form(hs, tok))
				if err != nil {
					continue
				}
				res.Body.Close()
				mu.Lock()
				statuses[res.StatusCode]++
				mu.Unlock()
			}
		}(batch)
	}
	for i := 0; i < 10; i++ {
		if r := e.send(pk, "valid"); !r.issued() {
			t.Fatalf("during a concurrent flood, client-ec got HTTP %d %s", r.status, r.body)
		}
	}
	wg.Wait()
	if statuses[http.StatusServiceUnavailable] != 80 {
		t.Fatalf("concurrent flood of a full partition: statuses %v, want 80 x 503", statuses)
	}
}

// TestRefusalLogLimiter: within one second at most perSecond lines pass;
// the rest are counted and reported once when the next second begins.
func TestRefusalLogLimiter(t *testing.T) {
	now := time.Unix(1700000000, 0)
	l := newLogLimiter(3)
	l.now = func() time.Time { return now }
	passed, held := 0, 0
	for i := 0; i < 100; i++ {
		ok, h := l.allow()
		held += h
		if ok {
			passed++
		}
	}
	if passed != 3 || held != 0 {
		t.Fatalf("first second: %d passed, %d reported held back; want 3, 0", passed, held)
	}
	now = now.Add(time.Second)
	ok, h := l.allow()
	if !ok || h != 97 {
		t.Fatalf("next second: ok=%v held back %d; want true, 97", ok, h)
	}
	unlimited := newLogLimiter(-1)
	for i := 0; i < 1000; i++ {
		if ok, _ := unlimited.allow(); !ok {
			t.Fatal("a negative rate must log every line")
		}
	}
}

// TestRefusalFloodLogBounded: 3000 refused requests cost the log at most
// RefusalLogRate lines (plus one summary) per second of the flood.
func TestRefusalFloodLogBounded(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, string(p))
		return len(p), nil
	}), nil))
	const rate, flood = 5, 3000
	h, err := NewHandler(Options{Registry: testRegistry(t), Audience: benchAudience, Logger: logger, RefusalLogRate: rate})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := 0; i < flood; i++ {
		req := httptest.NewRequest(http.MethodPost, TokenPath, strings.NewReader("grant_type=urn:example:nope"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("request %d: HTTP %d", i, rec.Code)
		}
	}
	seconds := int(time.Since(start)/time.Second) + 2 // windows the flood can touch
	mu.Lock()
	defer mu.Unlock()
	refused := 0
	for _, l := range lines {
		if strings.Contains(l, "token refused") {
			refused++
		}
	}
	if refused == 0 || len(lines) > seconds*(rate+1) {
		t.Fatalf("%d refused requests in %d s wrote %d lines (%d refusals); want 1..%d", flood, seconds, len(lines), refused, seconds*(rate+1))
	}
}
