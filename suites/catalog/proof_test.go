package catalog_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures/fixtureset"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/reference"
	"github.com/jwtharness/jwtharness/reference/registry"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites"
	"github.com/jwtharness/jwtharness/suites/catalog"
)

// proofRegistry is the reference registry of the shared fixture set. One
// deliberate addition: the private_key_jwt client (client-ec) also holds
// the client_secret_jwt client's secret and lists HS256 (a "hybrid" client
// registered for private_key_jwt only), so that the method check is the
// only thing that refuses its HS256 assertion (case ca-method-not-registered,
// flaw hmac-any-method).
func proofRegistry(t *testing.T, set *fixtureset.Set) *registry.Registry {
	t.Helper()
	clients := suites.RegistryClients(set)
	for _, rc := range clients {
		if rc.ID == fixtureset.ClientEC {
			rc.Algorithms = append(rc.Algorithms, jose.HS256)
			rc.Secret = set.Credential(fixtureset.ClientSecret).Secret
		}
	}
	reg, err := registry.New(clients...)
	if err != nil {
		t.Fatalf("registry: %v", err)
	}
	return reg
}

// startProofServer starts a reference server (with flaws) on loopback for
// the shared fixture set and returns the Env that drives it, with a clock
// shared by server and minter.
func startProofServer(t *testing.T, reg *registry.Registry, profile target.Profile, flaws ...reference.Flaw) *catalog.Env {
	t.Helper()
	env, stop, err := suites.StartReference(context.Background(), suites.ReferenceOptions{Profile: profile, Flaws: flaws, Registry: reg})
	if err != nil {
		t.Fatalf("reference server %v: %v", flaws, err)
	}
	t.Cleanup(stop)
	return env
}

type proofKey struct {
	flaw    reference.Flaw
	profile target.Profile
}

// TestProof runs every case for every applicable flow against a clean
// reference server (PASS or SKIP) and against one with the case's flaw
// (FAIL, or WARN for SHOULD/MAY), and requires every flaw to be caught.
func TestProof(t *testing.T) {
	if testing.Short() {
		t.Skip("proof runs the whole catalog twice against in-process servers")
	}
	set, err := fixtureset.Shared()
	if err != nil {
		t.Fatalf("fixture set: %v", err)
	}
	reg := proofRegistry(t, set)

	groups := map[proofKey][]catalog.Case{}
	for _, c := range catalog.All() {
		p := target.ProfileRFC7523
		if len(c.Profiles) > 0 {
			p = c.Profiles[0]
		}
		k := proofKey{c.Flaw, p}
		groups[k] = append(groups[k], c)
	}
	keys := make([]proofKey, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].flaw != keys[j].flaw {
			return keys[i].flaw < keys[j].flaw
		}
		return keys[i].profile < keys[j].profile
	})

	var mu sync.Mutex
	caught := map[reference.Flaw][]string{}
	var skipped []string
	runs := 0
	t.Run("flaws", func(t *testing.T) {
		for _, k := range keys {
			cases := groups[k]
			t.Run(string(k.flaw)+"/"+string(k.profile), func(t *testing.T) {
				t.Parallel()
				clean := startProofServer(t, reg, k.profile)
				flawed := startProofServer(t, reg, k.profile, k.flaw)
				ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
				defer cancel()
				for _, c := range cases {
					for _, flow := range c.Flows {
						key := c.ID + "@" + flow.Short()
						good := catalog.Execute(ctx, clean, c, flow)
						mu.Lock()
						runs++
						mu.Unlock()
						switch good.Outcome {
						case reports.Pass:
						case reports.Skip:
							mu.Lock()
							skipped = append(skipped, key+": "+good.Reason)
							mu.Unlock()
							continue
						default:
							t.Errorf("%s against the clean reference: %s\n  expected: %s\n  actual:   %s\n  reason:   %s\n%s",
								key, good.Outcome, good.Expected, good.Actual, good.Reason, indent(good.Transcript))
							continue
						}
						bad := catalog.Execute(ctx, flawed, c, flow)
						ok := bad.Outcome == reports.Fail ||
							(bad.Outcome == reports.Warn && (c.Level == catalog.SHOULD || c.Level == catalog.MAY || c.Level == catalog.BCP))
						if !ok {
							t.Errorf("%s against the reference with flaw %s: %s (want FAIL%s)\n  expected: %s\n  actual:   %s\n  reason:   %s\n%s",
								key, c.Flaw, bad.Outcome, map[bool]string{true: " or WARN", false: ""}[c.Level == catalog.SHOULD || c.Level == catalog.MAY],
								bad.Expected, bad.Actual, bad.Reason, indent(bad.Transcript))
							continue
						}
						mu.Lock()
						caught[c.Flaw] = append(caught[c.Flaw], key)
						mu.Unlock()
					}
				}
			})
		}
	})

	var b strings.Builder
	var missing []string
	for _, fi := range reference.Flaws() {
		cs := caught[fi.Name]
		sort.Strings(cs)
		if len(cs) == 0 {
			missing = append(missing, string(fi.Name))
		}
		fmt.Fprintf(&b, "  %-30s %2d  %s\n", fi.Name, len(cs), strings.Join(cs, " "))
	}
	proved, weak := 0, 0
	var weakCases []string
	for f, cs := range caught {
		proved += len(cs)
		if catchAllFlaws[f] {
			weak += len(cs)
			weakCases = append(weakCases, cs...)
		}
	}
	sort.Strings(weakCases)
	sort.Strings(skipped)
	t.Logf("%d case@flow runs against clean servers; %d skipped there (not proved):\n  %s", runs, len(skipped), strings.Join(skipped, "\n  "))
	t.Logf("kill table (flaw, cases x flows that caught it):\n%s", b.String())
	t.Logf("%d of %d proved case@flow runs are proved only by a catch-all flaw (%s):\n  %s",
		weak, proved, strings.Join(catchAllNames(), ", "), strings.Join(weakCases, " "))
	if len(missing) > 0 {
		t.Errorf("flaws caught by no case: %s", strings.Join(missing, ", "))
	}
}

// catchAllFlaws break every success or every error response alike, so a
// case they alone prove says little about its own rule; the proof log
// counts them to keep that number visible.
var catchAllFlaws = map[reference.Flaw]bool{
	reference.FlawTokenTypeMissing: true,
	reference.FlawServerErrorOnBad: true,
	reference.FlawErrorStatus200:   true,
	reference.FlawWrongErrorCode:   true,
}

func catchAllNames() []string {
	var out []string
	for f := range catchAllFlaws {
		out = append(out, string(f))
	}
	sort.Strings(out)
	return out
}

func indent(s string) string {
	if len(s) > 4000 {
		s = s[:4000] + "\n..."
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// TestCleanBis runs the whole catalog against a clean reference server with
// profile rfc7523bis (client assertions carry the issuer as their sole aud):
// every case must PASS or SKIP there too.
func TestCleanBis(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole catalog")
	}
	set, err := fixtureset.Shared()
	if err != nil {
		t.Fatal(err)
	}
	env := startProofServer(t, proofRegistry(t, set), target.ProfileRFC7523bis)
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	for _, c := range catalog.All() {
		for _, flow := range c.Flows {
			v := catalog.Execute(ctx, env, c, flow)
			if v.Outcome != reports.Pass && v.Outcome != reports.Skip {
				t.Errorf("%s against the clean rfc7523bis reference: %s\n  expected: %s\n  actual:   %s\n  reason:   %s",
					v.Key, v.Outcome, v.Expected, v.Actual, v.Reason)
			}
		}
	}
}
