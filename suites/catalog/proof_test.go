package catalog_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/fixtureset"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/reference"
	"github.com/jwtharness/jwtharness/reference/registry"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites"
	"github.com/jwtharness/jwtharness/suites/catalog"
	"github.com/jwtharness/jwtharness/suites/driver"
)

// proofRegistry is the reference registry of the shared fixture set. One
// deliberate addition: the private_key_jwt client (client-ec) also holds
// the client_secret_jwt client's secret and lists HS256 (a "hybrid" client
// registered for private_key_jwt only), so that the method check is the
// only thing that refuses its HS256 assertion (case ca-method-not-registered,
// flaw hmac-any-method).
func proofRegistry(t testing.TB, set *fixtureset.Set) *registry.Registry {
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
func startProofServer(t testing.TB, reg *registry.Registry, profile target.Profile, flaws ...reference.Flaw) *catalog.Env {
	t.Helper()
	env, stop, err := suites.StartReference(context.Background(), suites.ReferenceOptions{Profile: profile, Flaws: flaws, Registry: reg})
	if err != nil {
		t.Fatalf("reference server %v: %v", flaws, err)
	}
	t.Cleanup(stop)
	return env
}

// globalShare is the share of all proved runs above which a flaw counts as
// global: it breaks (nearly) every response or every valid request, so a
// run it alone kills says nothing about the run's own rule.
const globalShare = 0.25

// matrixRun is one case × flow of the kill matrix.
type matrixRun struct {
	c       catalog.Case
	flow    fixtures.Flow
	profile target.Profile
	key     string // id@flow

	clean   reports.Verdict
	reqs    []sentRequest             // what the run sent against the clean server
	killers map[reference.Flaw]string // flaw -> outcome that killed the run
}

// killed reports whether v, a verdict of c under an injected flaw, proves
// the flaw: a FAIL, or (a rule that is not a MUST) a WARN or INFO.
func killed(c catalog.Case, v reports.Verdict) bool {
	// MUST and POLICY cases must FAIL: the reference declares every
	// policy, so a declared policy broken is a FAIL, never INFO.
	return v.Outcome == reports.Fail ||
		(c.Level != catalog.MUST && c.Level != catalog.POLICY && (v.Outcome == reports.Warn || v.Outcome == reports.Info))
}

// TestKillMatrix runs every case × flow against the clean reference and
// then against the reference with each flaw injected, one at a time, and
// fails when the catalog does not prove what it claims:
//   - a run that does not PASS against the clean reference, unless its case
//     declares why (Case.CleanSkip);
//   - a run its own flaw (Case.Flaw) does not kill, or a flaw no run kills;
//   - a run killed only by global flaws (flaws that kill more than
//     globalShare of all runs: found by rule, not listed);
//   - a negative case whose mutated request is its control request again
//     (jti, iat, exp, nbf values and signature bytes aside);
//   - two cases of a flow killed by exactly the same flaws that send the
//     same requests.
//
// It logs the matrix summary: runs, specific kills, the weakest cases.
func TestKillMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("the kill matrix runs the catalog once per reference flaw")
	}
	start := time.Now()
	set, err := fixtureset.Shared()
	if err != nil {
		t.Fatalf("fixture set: %v", err)
	}
	reg := proofRegistry(t, set)

	var runs []*matrixRun
	byProfile := map[target.Profile][]*matrixRun{}
	for _, c := range catalog.All() {
		p := target.ProfileRFC7523
		if len(c.Profiles) > 0 {
			p = c.Profiles[0]
		}
		for _, flow := range c.Flows {
			r := &matrixRun{c: c, flow: flow, profile: p, key: c.ID + "@" + flow.Short(), killers: map[reference.Flaw]string{}}
			runs = append(runs, r)
			byProfile[p] = append(byProfile[p], r)
		}
	}
	profiles := make([]target.Profile, 0, len(byProfile))
	for p := range byProfile {
		profiles = append(profiles, p)
	}
	sort.Slice(profiles, func(i, j int) bool { return profiles[i] < profiles[j] })

	// Phase 1: every run against the clean reference, recording what it sent.
	keys := verificationKeys(set)
	parallel(len(profiles), func(i int) {
		p := profiles[i]
		env, stop, err := matrixServer(reg, p)
		if err != nil {
			t.Error(err)
			return
		}
		defer stop()
		if env.Client, err = recordingClient(env.Client); err != nil {
			t.Error(err)
			return
		}
		eachRun(byProfile[p], func(r *matrixRun) {
			log := &runLog{now: env.Clock.Now, keys: keys}
			ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), runLogKey{}, log), 45*time.Second)
			r.clean = catalog.Execute(ctx, env, r.c, r.flow)
			cancel()
			r.reqs = log.done()
		})
	})
	cleanTime := time.Since(start)

	var proved []*matrixRun
	provedBy := map[target.Profile][]*matrixRun{}
	for _, r := range runs {
		switch {
		case r.clean.Outcome == reports.Pass:
			proved = append(proved, r)
			provedBy[r.profile] = append(provedBy[r.profile], r)
		case r.c.CleanSkip != "" && (r.clean.Outcome == reports.Skip || r.clean.Outcome == reports.Error):
			t.Logf("%s %s against the clean reference, as the case declares (%s): %s", r.key, r.clean.Outcome, r.c.CleanSkip, firstLine(r.clean.Reason))
		default:
			t.Errorf("%s against the clean reference: %s (want PASS, or a CleanSkip reason in the case)\n  expected: %s\n  actual:   %s\n  reason:   %s\n%s",
				r.key, r.clean.Outcome, r.clean.Expected, r.clean.Actual, r.clean.Reason, indent(r.clean.Transcript))
		}
	}

	// Phase 2: every proved run against each flawed reference.
	type job struct {
		flaw    reference.Flaw
		profile target.Profile
		runs    []*matrixRun
	}
	// The Serial runs of the flaw whose replay check races (a 20 ms window
	// between check and write) go first and alone: their parallel copies
	// must meet in that window, which a busy process can miss.
	var first, jobs []job
	for _, fi := range reference.Flaws() {
		for _, p := range profiles {
			runs := provedBy[p]
			if len(runs) == 0 {
				continue
			}
			if fi.Name == reference.FlawJTIRacy {
				var serial, rest []*matrixRun
				for _, r := range runs {
					if r.c.Serial {
						serial = append(serial, r)
					} else {
						rest = append(rest, r)
					}
				}
				first = append(first, job{fi.Name, p, serial})
				jobs = append([]job{{fi.Name, p, rest}}, jobs...) // the slowest job starts first
				continue
			}
			jobs = append(jobs, job{fi.Name, p, runs})
		}
	}
	var mu sync.Mutex
	jobTime := make([]time.Duration, len(first)+len(jobs))
	all := append(first, jobs...)
	runJob := func(i int) {
		j := all[i]
		t0 := time.Now()
		defer func() { jobTime[i] += time.Since(t0) }()
		env, stop, err := matrixServer(reg, j.profile, j.flaw)
		if err != nil {
			t.Error(err)
			return
		}
		defer stop()
		eachRun(j.runs, func(r *matrixRun) {
			ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
			v := catalog.Execute(ctx, env, r.c, r.flow)
			cancel()
			if killed(r.c, v) {
				mu.Lock()
				r.killers[j.flaw] = string(v.Outcome)
				mu.Unlock()
			} else if j.flaw == r.c.Flaw {
				t.Errorf("%s against the reference with its flaw %s: %s (want FAIL%s)\n  expected: %s\n  actual:   %s\n  reason:   %s\n%s",
					r.key, j.flaw, v.Outcome, map[bool]string{true: " or WARN/INFO", false: ""}[r.c.Level != catalog.MUST && r.c.Level != catalog.POLICY],
					v.Expected, v.Actual, v.Reason, indent(v.Transcript))
			}
		})
	}
	for i := range first {
		runJob(i)
	}
	parallel(len(jobs), func(i int) { runJob(len(first) + i) })

	jobs = all
	slow := make([]int, len(jobs))
	for i := range slow {
		slow[i] = i
	}
	sort.Slice(slow, func(a, b int) bool { return jobTime[slow[a]] > jobTime[slow[b]] })
	for _, i := range slow[:3] {
		t.Logf("slowest flaw: %s/%s %s", jobs[i].flaw, jobs[i].profile, jobTime[i].Round(time.Millisecond))
	}
	m := summarize(proved)
	for _, fi := range reference.Flaws() {
		if m.kills[fi.Name] == 0 {
			t.Errorf("flaw %s is killed by no run", fi.Name)
		}
	}
	var weakOnly []string
	for _, r := range proved {
		if m.specific(r) == 0 && !pendingSpecificFlaw[r.c.ID] {
			weakOnly = append(weakOnly, r.key+" (killed by "+strings.Join(flawNames(r.killers), ", ")+")")
		}
	}
	for id := range pendingSpecificFlaw {
		still := false
		for _, r := range proved {
			if r.c.ID == id && m.specific(r) == 0 {
				still = true
			}
		}
		if !still {
			t.Errorf("case %s is listed in pendingSpecificFlaw but every run of it is now killed by a specific flaw: remove it from the list", id)
		}
	}
	if len(weakOnly) > 0 {
		t.Errorf("%d runs are killed only by global flaws (%s); give each a specific flaw:\n  %s",
			len(weakOnly), strings.Join(m.globalNames(), ", "), strings.Join(weakOnly, "\n  "))
	}
	checkMutationsChange(t, proved)
	checkDuplicates(t, proved)

	t.Logf("kill matrix: %d case×flow runs, %d proved against the clean reference, %d flaws, clean pass %s, total %s",
		len(runs), len(proved), len(reference.Flaws()), cleanTime.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	t.Logf("global flaws (kill > %.0f%% of proved runs): %s", globalShare*100, m.globalSummary())
	t.Logf("kills: %d in all, %d by specific flaws; runs proved only by global flaws: %d (%d awaiting a specific flaw: %s)",
		m.total, m.specificTotal, len(weakOnly)+m.pending(proved), m.pending(proved), strings.Join(slices.Sorted(maps.Keys(pendingSpecificFlaw)), ", "))
	t.Logf("weakest cases (fewest specific flaws killing their weakest run):\n%s", m.weakest(proved, 15))
}

// pendingSpecificFlaw lists the cases whose runs are still killed only by
// global flaws while their specific flaw is being added to the reference
// (issue 9); the matrix reports them instead of failing, and fails once a
// listed case no longer needs the entry.
var pendingSpecificFlaw = map[string]bool{}

// matrix is the kill matrix reduced to what the checks and summary need.
type matrix struct {
	kills         map[reference.Flaw]int
	global        map[reference.Flaw]bool
	total         int
	specificTotal int
	proved        int
}

func summarize(proved []*matrixRun) *matrix {
	m := &matrix{kills: map[reference.Flaw]int{}, global: map[reference.Flaw]bool{}, proved: len(proved)}
	for _, r := range proved {
		for f := range r.killers {
			m.kills[f]++
			m.total++
		}
	}
	for f, n := range m.kills {
		if float64(n) > globalShare*float64(len(proved)) {
			m.global[f] = true
		}
	}
	for _, r := range proved {
		m.specificTotal += m.specific(r)
	}
	return m
}

// specific counts the non-global flaws that kill r.
func (m *matrix) specific(r *matrixRun) int {
	n := 0
	for f := range r.killers {
		if !m.global[f] {
			n++
		}
	}
	return n
}

func (m *matrix) pending(proved []*matrixRun) int {
	n := 0
	for _, r := range proved {
		if pendingSpecificFlaw[r.c.ID] && m.specific(r) == 0 {
			n++
		}
	}
	return n
}

func (m *matrix) globalNames() []string {
	var out []string
	for f := range m.global {
		out = append(out, string(f))
	}
	sort.Strings(out)
	return out
}

func (m *matrix) globalSummary() string {
	var out []string
	for _, f := range m.globalNames() {
		out = append(out, fmt.Sprintf("%s (%d)", f, m.kills[reference.Flaw(f)]))
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// weakest lists the n cases whose weakest run is killed by the fewest
// specific flaws.
func (m *matrix) weakest(proved []*matrixRun, n int) string {
	type cs struct {
		id    string
		min   int
		flaws []string
	}
	byCase := map[string]*cs{}
	for _, r := range proved {
		k := m.specific(r)
		c := byCase[r.c.ID]
		if c == nil || k < c.min {
			var fl []string
			for f := range r.killers {
				if !m.global[f] {
					fl = append(fl, string(f))
				}
			}
			sort.Strings(fl)
			byCase[r.c.ID] = &cs{id: r.c.ID, min: k, flaws: fl}
		}
	}
	var all []*cs
	for _, c := range byCase {
		all = append(all, c)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].min != all[j].min {
			return all[i].min < all[j].min
		}
		return all[i].id < all[j].id
	})
	var b strings.Builder
	for i, c := range all {
		if i == n {
			break
		}
		fmt.Fprintf(&b, "  %-36s %d  %s\n", c.id, c.min, strings.Join(c.flaws, " "))
	}
	return b.String()
}

// checkMutationsChange fails a negative case whose mutated request (the
// second one it sends, after the paired control) is the control again.
// Replay cases send the same request again on purpose.
func checkMutationsChange(t *testing.T, proved []*matrixRun) {
	t.Helper()
	for _, r := range proved {
		if !r.c.Negative || r.c.Family == "replay" || len(r.reqs) < 2 {
			continue
		}
		if r.reqs[0].same(r.reqs[1]) {
			t.Errorf("%s: the mutated request equals its control (jti, iat, exp, nbf and signature bytes aside): the mutation changes nothing\n  %s",
				r.key, r.reqs[1].summary)
		}
	}
}

// checkDuplicates fails two cases of one flow that are killed by exactly
// the same flaws and send the same requests: one of them proves nothing
// the other does not.
func checkDuplicates(t *testing.T, proved []*matrixRun) {
	t.Helper()
	groups := map[string][]*matrixRun{}
	for _, r := range proved {
		k := string(r.flow) + "|" + strings.Join(flawNames(r.killers), ",")
		groups[k] = append(groups[k], r)
	}
	for _, g := range groups {
		for i := 0; i < len(g); i++ {
			for j := i + 1; j < len(g); j++ {
				if sameRequests(g[i].reqs, g[j].reqs) {
					t.Errorf("%s and %s send the same requests and are killed by the same flaws (%s): one of them proves nothing more",
						g[i].key, g[j].key, strings.Join(flawNames(g[i].killers), ", "))
				}
			}
		}
	}
}

func sameRequests(a, b []sentRequest) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].same(b[i]) {
			return false
		}
	}
	return true
}

func flawNames(m map[reference.Flaw]string) []string {
	out := make([]string, 0, len(m))
	for f := range m {
		out = append(out, string(f))
	}
	sort.Strings(out)
	return out
}

// eachRun runs f for every run against one server: the Serial cases (clock
// control, replay races) one at a time first, then the others a few at a
// time (some flaws sleep in every request: jti-replay-racy).
func eachRun(runs []*matrixRun, f func(r *matrixRun)) {
	var rest []*matrixRun
	for _, r := range runs {
		if r.c.Serial {
			f(r)
		} else {
			rest = append(rest, r)
		}
	}
	next := make(chan *matrixRun)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range next {
				f(r)
			}
		}()
	}
	for _, r := range rest {
		next <- r
	}
	close(next)
	wg.Wait()
}

// parallel runs f(0..n-1) on a few goroutines: the servers are in-process,
// so the work is mostly CPU-bound (some flaws sleep: jti-replay-racy).
func parallel(n int, f func(i int)) {
	workers := runtime.GOMAXPROCS(0) * 4
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func indent(s string) string {
	if len(s) > 4000 {
		s = s[:4000] + "\n..."
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// ---- recording what a run sends ---------------------------------------------

type runLogKey struct{}

// runLog collects the requests one run sends, normalized.
type runLog struct {
	now  func() time.Time
	keys []any
	mu   sync.Mutex
	reqs []sentRequest
}

func (l *runLog) done() []sentRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reqs
}

// recorder is a RoundTripper that hands every request whose context holds
// a runLog to that log before sending it.
type recorder struct{ base http.RoundTripper }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if l, ok := req.Context().Value(runLogKey{}).(*runLog); ok {
		var body []byte
		if req.GetBody != nil {
			if rc, err := req.GetBody(); err == nil {
				body, _ = io.ReadAll(rc)
				rc.Close()
			}
		}
		s := normalizeRequest(req, body, l.now(), l.keys)
		l.mu.Lock()
		l.reqs = append(l.reqs, s)
		l.mu.Unlock()
	}
	return r.base.RoundTrip(req)
}

// recordingClient is c sending through a recorder.
func recordingClient(c *driver.Client) (*driver.Client, error) {
	return driver.NewClient(driver.Options{Endpoint: c.Endpoint(), Timeout: c.Timeout(),
		HTTPClient: &http.Client{Transport: &recorder{base: http.DefaultTransport}}})
}

// matrixServer starts a reference server for the matrix (safe to call from
// any goroutine, unlike startProofServer).
func matrixServer(reg *registry.Registry, profile target.Profile, flaws ...reference.Flaw) (*catalog.Env, func(), error) {
	env, stop, err := suites.StartReference(context.Background(), suites.ReferenceOptions{Profile: profile, Flaws: flaws, Registry: reg})
	if err != nil {
		return nil, nil, fmt.Errorf("reference server %s %v: %w", profile, flaws, err)
	}
	return env, stop, nil
}

// sentRequest is a request as sent, reduced to what a case decides: every
// byte except the values of jti, iat, exp and nbf (kept as offsets from the
// sending clock, compared within a tolerance) and the bytes of a signature
// that verifies under a known key (kept as their length, strictness of
// encoding and that key: a fresh signature of fresh claims differs every
// time without meaning anything).
type sentRequest struct {
	digest  [32]byte
	offsets []float64
	summary string
}

// timeTolerance absorbs the seconds between minting a control and a case.
const timeTolerance = 3

func (a sentRequest) same(b sentRequest) bool {
	if a.digest != b.digest || len(a.offsets) != len(b.offsets) {
		return false
	}
	for i := range a.offsets {
		if math.Abs(a.offsets[i]-b.offsets[i]) > timeTolerance {
			return false
		}
	}
	return true
}

func normalizeRequest(req *http.Request, body []byte, now time.Time, keys []any) sentRequest {
	n := &normalizer{now: now, keys: keys}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", req.Method, req.URL.Path)
	if req.URL.RawQuery != "" {
		b.WriteString("?" + n.form(req.URL.RawQuery) + "\n")
	}
	hk := make([]string, 0, len(req.Header))
	for k := range req.Header {
		if k != "User-Agent" && k != "Accept-Encoding" {
			hk = append(hk, k)
		}
	}
	sort.Strings(hk)
	for _, k := range hk {
		fmt.Fprintf(&b, "%s: %q\n", k, req.Header[k])
	}
	if ct := req.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/x-www-form-urlencoded") || (ct == "" && len(body) > 0) {
		b.WriteString(n.form(string(body)))
	} else {
		b.WriteString(n.raw(string(body)))
	}
	s := b.String()
	sum := s
	if len(sum) > 300 {
		sum = sum[:300] + "..."
	}
	return sentRequest{digest: sha256.Sum256([]byte(s)), offsets: n.offsets, summary: strings.ReplaceAll(sum, "\n", " | ")}
}

type normalizer struct {
	now     time.Time
	keys    []any
	offsets []float64
}

// form normalizes an urlencoded string pair by pair, in order.
func (n *normalizer) form(s string) string {
	var out []string
	for _, kv := range strings.Split(s, "&") {
		k, v, _ := strings.Cut(kv, "=")
		uk, err1 := url.QueryUnescape(k)
		uv, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			out = append(out, n.raw(kv))
			continue
		}
		out = append(out, uk+"="+n.token(uv))
	}
	return strings.Join(out, "&")
}

// raw keeps s, with the time claims of any JWT inside made relative.
func (n *normalizer) raw(s string) string { return s }

var (
	timeClaim = regexp.MustCompile(`"(jti|iat|exp|nbf)"\s*:\s*("(?:[^"\\]|\\.)*"|-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)`)
	strictB64 = base64.RawURLEncoding.Strict()
	b64url    = regexp.MustCompile(`^[A-Za-z0-9_-]*$`)
)

// token normalizes a value that may be a compact JWS: JSON segments with
// their jti value and time claims made relative; the signature segment as
// its length, strictness and the key it verifies under.
func (n *normalizer) token(v string) string {
	segs := strings.Split(v, ".")
	if len(segs) < 2 {
		return v
	}
	var out []string
	for i, seg := range segs {
		if !b64url.MatchString(seg) { // Go's decoders skip CR and LF
			out = append(out, "R"+seg)
			continue
		}
		dec, err := strictB64.DecodeString(seg)
		if err == nil && len(dec) > 0 && dec[0] == '{' && json.Valid(dec) {
			out = append(out, "J"+n.claims(string(dec)))
			continue
		}
		if i == 2 && len(segs) == 3 {
			out = append(out, n.signature(v, seg))
			continue
		}
		out = append(out, "R"+seg)
	}
	return strings.Join(out, ".")
}

func (n *normalizer) claims(js string) string {
	return timeClaim.ReplaceAllStringFunc(js, func(m string) string {
		sub := timeClaim.FindStringSubmatch(m)
		name, val := sub[1], sub[2]
		if name == "jti" {
			if strings.HasPrefix(val, `"`) {
				return `"jti":"#"`
			}
			return m
		}
		if strings.HasPrefix(val, `"`) {
			return m
		}
		f, err := strconv.ParseFloat(val, 64)
		if err != nil || math.Abs(f) > 1e15 {
			return m
		}
		tag := "#I"
		if strings.ContainsAny(val, ".eE") {
			tag = "#F"
		}
		n.offsets = append(n.offsets, f-float64(n.now.Unix()))
		return `"` + name + `":` + tag
	})
}

func (n *normalizer) signature(tok, seg string) string {
	sig, err := strictB64.DecodeString(seg)
	strict := err == nil
	if !strict {
		sig, _ = base64.RawURLEncoding.DecodeString(seg)
	}
	key := -1
	if jws, err := jose.ParseSigned(tok, allAlgs); err == nil {
		for i, k := range n.keys {
			if _, err := jws.Verify(k); err == nil {
				key = i
				break
			}
		}
	}
	if key < 0 {
		// Bytes that verify under no known key are the mutation itself
		// (flipped, truncated, zero, another key's): compared as they are.
		return fmt.Sprintf("S(len=%d,strict=%v,bytes=%x)", len(sig), strict, sha256.Sum256(sig))
	}
	return fmt.Sprintf("S(len=%d,strict=%v,key=%d)", len(sig), strict, key)
}

var allAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA, jose.HS256, jose.HS384, jose.HS512}

// verificationKeys are the public keys and secrets of every credential of
// the set and of the target's flows, in a fixed order.
func verificationKeys(set *fixtureset.Set) []any {
	var keys []any
	add := func(c *fixtures.Credential) {
		if c == nil {
			return
		}
		if c.Key != nil {
			keys = append(keys, c.Key.Public())
		}
		if len(c.Secret) > 0 {
			keys = append(keys, c.Secret)
		}
	}
	for _, c := range set.Clients {
		add(c.Credential)
		add(c.Next)
	}
	add(set.Stranger)
	t := set.NewTarget("http://127.0.0.1:1/token", "http://127.0.0.1:1")
	for _, f := range fixtures.Flows {
		if fc := t.Flows[f]; fc != nil {
			add(fc.Credential)
			for _, a := range fc.Alternates {
				add(a)
			}
		}
	}
	return keys
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
