package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/fixtures/validreq"
	"github.com/jwtharness/jwtharness/loadgen"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites"
	"github.com/jwtharness/jwtharness/suites/catalog"
	"github.com/jwtharness/jwtharness/suites/driver"
)

// vocabularyExceptions are the cases whose conform request carries more
// than their fixtures mutation, with the reason.
var vocabularyExceptions = map[string]string{
	"hdr-jku": "conform serves the key set on a loopback listener and names that URL; token and load send fixtures.DefaultJKU",
	"hdr-x5u": "conform serves the certificate on a loopback listener and names that URL; token and load send fixtures.DefaultJKU",
}

// TestOneMutationVocabulary builds, for every case that names a fixtures
// mutation and every flow of it, the request each command sends, through
// the functions the command calls, against the embedded reference:
//   - conform --case X: catalog.Execute (the request after the paired
//     control, recorded on the wire);
//   - token --case X and token --mutation M: validreq.BuildFor, the
//     mutation's Apply with the target's MutationContext, Minter.Mint,
//     driver.FlowRequest;
//   - load --mix X=1 (resolved by resolveMix, as load does): loadgen's
//     Scenario.Assertion and Body.
//
// All must be the same request apart from jti, iat, exp and signature bytes.
func TestOneMutationVocabulary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every mutated request three ways")
	}
	ctx := context.Background()
	env := recordingReference(t)
	tg := env.Target
	checked := 0
	for _, c := range catalog.All() {
		if c.Mutation == "" || c.Mutation == "valid" || vocabularyExceptions[c.ID] != "" {
			continue
		}
		if len(c.Profiles) > 0 && c.Profiles[0] != tg.Profile {
			continue
		}
		m, ok := fixtures.LookupMutation(c.Mutation)
		if !ok {
			t.Errorf("%s: mutation %q does not exist", c.ID, c.Mutation)
			continue
		}
		if got, ok := resolveMix(c.ID); !ok || got != c.Mutation {
			t.Errorf("load --mix %s resolves to %q, want %s", c.ID, got, c.Mutation)
		}
		for _, flow := range c.Flows {
			key := c.ID + "@" + flow.Short()
			log := &bodyLog{}
			v := catalog.Execute(context.WithValue(ctx, bodyLogKey{}, log), env, c, flow)
			if v.Outcome == reports.Skip {
				continue
			}
			bodies := log.all()
			i := 0
			if c.Negative {
				i = 1
			}
			if len(bodies) <= i {
				t.Errorf("%s: conform sent %d requests (%s: %s)", key, len(bodies), v.Outcome, v.Reason)
				continue
			}
			conformShape := shapeOfForm(bodies[i])
			cred := credentialOf(tg, flow, conformShape.assertion)

			// token --case X (= token --mutation M with M = X's mutation)
			vr, err := validreq.BuildFor(tg, flow, "", cred)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			spec := vr.Assertion
			if err := m.Apply(&spec, tg.MutationContextFor(flow)); err != nil {
				t.Errorf("%s: token --mutation %s does not apply where conform --case %s runs: %v", key, m.Name, c.ID, err)
				continue
			}
			tok, err := env.Minter.Mint(spec)
			if err != nil {
				t.Errorf("%s: token: %v", key, err)
				continue
			}
			req := driver.FlowRequest(tg, flow, tok)
			fixtures.ApplyParamEdits(m.ParamEdits(vr.Assertion, tg.MutationContextFor(flow)), req.Has,
				func(n, v string) { req.Set(n, v) }, func(n string) { req.Del(n) })
			tokenShape := shapeOfForm(driver.EncodeParams(req.Params))

			// load --mix X=1
			mix, err := loadgen.ParseMix(c.ID+"=1", resolveMix)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			sc, err := loadgen.NewScenario(tg, flow, cred.Alg, mix)
			if err != nil {
				t.Errorf("%s: load: %v", key, err)
				continue
			}
			a, err := sc.Assertion(0)
			if err != nil {
				t.Errorf("%s: load: %v", key, err)
				continue
			}
			body, err := sc.BodyFor(0, a)
			if err != nil {
				t.Errorf("%s: load: %v", key, err)
				continue
			}
			loadShape := shapeOfForm(string(body))

			for _, other := range []struct {
				cmd   string
				shape requestShape
			}{{"token --case/--mutation", tokenShape}, {"load --mix", loadShape}} {
				if d := conformShape.diff(other.shape); d != "" {
					t.Errorf("%s: conform --case and %s build different requests: %s", key, other.cmd, d)
				}
			}
			checked++
		}
	}
	if checked < 100 {
		t.Errorf("only %d case × flow runs compared", checked)
	}
	t.Logf("%d case × flow runs: conform, token and load send the same mutated request", checked)
}

// TestOneRequestEditVocabulary: for every request-level case that names a
// driver.RequestEdit (its ID), conform --case X and token --case X (the
// flow's valid request, driver.FlowRequest, the edit's Apply, sent through
// the same client) put the same request on the wire: method, query,
// content type and body, with the valid assertion as <jwt>.
func TestOneRequestEditVocabulary(t *testing.T) {
	if testing.Short() {
		t.Skip("sends every request edit twice")
	}
	ctx := context.Background()
	env := recordingReference(t)
	tg := env.Target
	checked, runs := map[string]bool{}, 0
	for _, e := range driver.RequestEdits() {
		c, ok := catalog.Lookup(e.Name)
		if !ok || c.Mutation != "" {
			t.Errorf("request edit %s: no catalog case of that ID without a mutation", e.Name)
			continue
		}
		for _, flow := range c.Flows {
			key := c.ID + "@" + flow.Short()
			conform := &wireLog{}
			v := catalog.Execute(context.WithValue(ctx, wireLogKey{}, conform), env, c, flow)
			if v.Outcome == reports.Skip {
				continue
			}
			sent := conform.all()
			i := 0
			if c.Negative {
				i = 1 // after the paired control
			}
			if len(sent) <= i {
				t.Errorf("%s: conform sent %d requests (%s: %s)", key, len(sent), v.Outcome, v.Reason)
				continue
			}
			tok, err := env.Minter.Mint(validreq.Spec(tg, flow, "", tg.Credential(flow, "")))
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			req := driver.FlowRequest(tg, flow, tok)
			if err := e.Apply(req, flow); err != nil {
				t.Errorf("%s: token: %v", key, err)
				continue
			}
			token := &wireLog{}
			env.Client.Do(context.WithValue(ctx, wireLogKey{}, token), req)
			if got := token.all(); len(got) != 1 || got[0] != sent[i] {
				t.Errorf("%s: conform --case sends %q, token --case sends %q", key, sent[i], got)
			}
			checked[c.ID] = true
			runs++
		}
	}
	if len(checked) != len(driver.RequestEdits()) {
		t.Errorf("only %d of %d request edits compared", len(checked), len(driver.RequestEdits()))
	}
	t.Logf("%d request edits, %d case × flow runs: conform and token send the same request", len(checked), runs)
}

// recordingReference starts the embedded reference (stopped when t ends)
// with a client whose requests bodyRecorder records.
func recordingReference(t *testing.T) *catalog.Env {
	t.Helper()
	env, stop, err := suites.StartReference(context.Background(), suites.ReferenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	env.Client, err = driver.NewClient(driver.Options{Endpoint: env.Client.Endpoint(), Timeout: env.Client.Timeout(),
		HTTPClient: &http.Client{Transport: bodyRecorder{http.DefaultTransport}}})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// credentialOf is the flow credential that signed assertion (conform may
// pick an alternate), by the key that verifies it or else its alg; the
// primary when none fits.
func credentialOf(t *target.Target, flow fixtures.Flow, a *tokenShape) *fixtures.Credential {
	fc := t.Flows[flow]
	creds := append([]*fixtures.Credential{fc.Credential}, fc.Alternates...)
	if a != nil && a.raw != "" {
		if jws, err := jose.ParseSigned(a.raw, allAlgs); err == nil {
			for _, c := range creds {
				if c != nil && c.SigningKey() != nil {
					if _, err := jws.Verify(verifyKey(c)); err == nil {
						return c
					}
				}
			}
		}
		if alg, _ := a.header["alg"].(string); alg != "" {
			if c := t.Credential(flow, jose.SignatureAlgorithm(alg)); c != nil {
				return c
			}
		}
	}
	return fc.Credential
}

func verifyKey(c *fixtures.Credential) any {
	if c.Key != nil {
		return c.Key.Public()
	}
	return c.Secret
}

var allAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA, jose.HS256, jose.HS384, jose.HS512}

// requestShape is a token request form with its assertion reduced to what
// a mutation decides.
type requestShape struct {
	params    []string // name=value in order; the assertion as its shape
	assertion *tokenShape
}

type tokenShape struct {
	raw      string
	header   map[string]any
	segments []string // per segment: JSON (jti, iat, exp removed; nbf relative) or length
	nbf      *float64 // nbf - now
}

func (a requestShape) diff(b requestShape) string {
	if !reflect.DeepEqual(a.params, b.params) {
		return fmt.Sprintf("form %q vs %q", a.params, b.params)
	}
	if (a.assertion == nil) != (b.assertion == nil) {
		return "assertion present in one only"
	}
	if a.assertion == nil {
		return ""
	}
	if !reflect.DeepEqual(a.assertion.segments, b.assertion.segments) {
		return fmt.Sprintf("assertion %q vs %q", a.assertion.segments, b.assertion.segments)
	}
	x, y := a.assertion.nbf, b.assertion.nbf
	if (x == nil) != (y == nil) || (x != nil && math.Abs(*x-*y) > 5) {
		return "nbf differs"
	}
	return ""
}

func shapeOfForm(form string) requestShape {
	var s requestShape
	for _, kv := range strings.Split(form, "&") {
		k, v, _ := strings.Cut(kv, "=")
		k, _ = url.QueryUnescape(k)
		v, _ = url.QueryUnescape(v)
		if k == "assertion" || k == "client_assertion" {
			s.assertion = shapeOfToken(v)
			s.params = append(s.params, k+"=<assertion>")
			continue
		}
		s.params = append(s.params, k+"="+v)
	}
	return s
}

func shapeOfToken(tok string) *tokenShape {
	a := &tokenShape{raw: tok}
	for _, part := range strings.Split(tok, " ") {
		if strings.HasPrefix(part, "{") { // JSON serialization
			var js map[string]string
			if json.Unmarshal([]byte(part), &js) == nil {
				a.segments = append(a.segments, "JSON:"+a.segment(js["protected"], true)+"."+a.segment(js["payload"], false)+fmt.Sprintf(".sig%d", len(js["signature"])))
				continue
			}
		}
		segs := strings.Split(part, ".")
		for i, seg := range segs {
			if len(segs) == 3 && i == 2 {
				a.segments = append(a.segments, "sig")
				continue
			}
			a.segments = append(a.segments, a.segment(seg, i == 0))
		}
	}
	return a
}

var lenient = []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.StdEncoding}

// segment decodes a segment leniently (the mutations that re-encode must
// re-encode alike in every command) into JSON without jti, iat and exp.
func (a *tokenShape) segment(seg string, header bool) string {
	clean := strings.NewReplacer("\r", "", "\n", "", " ", "").Replace(seg)
	for n, enc := range lenient {
		b, err := enc.DecodeString(clean)
		if err != nil {
			continue
		}
		var m map[string]any
		d := json.NewDecoder(strings.NewReader(string(b)))
		d.UseNumber()
		if d.Decode(&m) != nil {
			return fmt.Sprintf("bytes(%d)", len(b))
		}
		if header {
			a.header = m
		}
		for _, k := range []string{"jti", "iat", "exp"} {
			if v, ok := m[k]; ok {
				m[k] = fmt.Sprintf("<%T>", v)
			}
		}
		if n, ok := m["nbf"].(json.Number); ok {
			if f, err := n.Float64(); err == nil && math.Abs(f) < 1e15 {
				off := f - float64(time.Now().Unix())
				a.nbf = &off
				m["nbf"] = "<nbf>"
			}
		}
		out, _ := json.Marshal(m)
		return fmt.Sprintf("enc%d:%s", n, out)
	}
	return fmt.Sprintf("raw(%d)", len(seg))
}

type bodyLogKey struct{}

// bodyLog collects the form bodies one case run sends.
type bodyLog struct {
	mu     sync.Mutex
	bodies []string
}

func (l *bodyLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bodies
}

type wireLogKey struct{}

// wireLog collects method, query, content type and body of the requests
// one run sends, each as one line, assertions replaced by <jwt>.
type wireLog struct {
	mu   sync.Mutex
	reqs []string
}

func (l *wireLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reqs
}

var jwtLike = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`)

type bodyRecorder struct{ base http.RoundTripper }

func (r bodyRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if l, ok := req.Context().Value(wireLogKey{}).(*wireLog); ok {
		var b []byte
		if req.GetBody != nil {
			if rc, err := req.GetBody(); err == nil {
				b, _ = io.ReadAll(rc)
				rc.Close()
			}
		}
		line := fmt.Sprintf("%s ?%s [%s] %s", req.Method, req.URL.RawQuery, req.Header.Get("Content-Type"), b)
		l.mu.Lock()
		l.reqs = append(l.reqs, jwtLike.ReplaceAllString(line, "<jwt>"))
		l.mu.Unlock()
	}
	if l, ok := req.Context().Value(bodyLogKey{}).(*bodyLog); ok && req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			b, _ := io.ReadAll(rc)
			rc.Close()
			l.mu.Lock()
			l.bodies = append(l.bodies, string(b))
			l.mu.Unlock()
		}
	}
	return r.base.RoundTrip(req)
}
