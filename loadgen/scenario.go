package loadgen

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/fixtures/validreq"
)

// Scenario binds a target, a flow, the credential that signs with the
// chosen algorithm and a mix into the Pool's MintFunc. The valid request
// comes from the one builder, validreq (aud by the target's profile, the
// grant's client authentication, exp within the declared cap); a mutation
// is applied to validreq's assertion. The assertion is spliced between a
// precomputed prefix and suffix of the form, unless the grant's client
// authentication signs its own assertion, which is then minted fresh for
// every request too.
type Scenario struct {
	Target *target.Target
	Flow   fixtures.Flow
	Cred   *fixtures.Credential
	Mix    []MixEntry
	Minter *fixtures.Minter
	// Lifetime is exp - iat of the minted assertions (within the
	// endpoint's max lifetime); StaleAfter is how long after minting an
	// item may still be sent.
	Lifetime, StaleAfter time.Duration

	req            *validreq.Request
	mctx           fixtures.MutationContext
	prefix, suffix string
}

// NewScenario prepares minting for flow and alg ("" = the flow's primary
// credential) on target t.
func NewScenario(t *target.Target, flow fixtures.Flow, alg jose.SignatureAlgorithm, mix []MixEntry) (*Scenario, error) {
	if !flow.Valid() {
		return nil, fmt.Errorf("unknown flow %q (want one of %v)", flow, fixtures.Flows)
	}
	if !t.Offers(flow) {
		return nil, fmt.Errorf("the target does not offer %s (offered: %v)", flow, t.OfferedFlows())
	}
	cred := t.Credential(flow, alg)
	if cred == nil {
		return nil, fmt.Errorf("the target has no %s credential that signs with %s", flow, alg)
	}
	vr, err := validreq.BuildFor(t, flow, "", cred)
	if err != nil {
		return nil, err
	}
	maxLife, _ := t.LifetimeCap(flow)
	if maxLife <= 0 {
		maxLife = 5 * time.Minute
	}
	life := maxLife * 4 / 5
	if life > 4*time.Minute {
		life = 4 * time.Minute
	}
	if maxLife < fixtures.DefaultLifetime {
		// validreq pulls exp in to half the cap.
		if half := (maxLife / time.Second / 2) * time.Second; half < life {
			life = max(half, time.Second)
		}
	}
	stale := life - life/4
	if life-stale < 10*time.Second && life > 20*time.Second {
		stale = life - 10*time.Second
	}
	s := &Scenario{Target: t, Flow: flow, Cred: cred, Mix: mix, Minter: &fixtures.Minter{Lifetime: life},
		Lifetime: life, StaleAfter: stale, req: vr, mctx: t.MutationContextFor(flow)}
	if vr.ClientAssertion == nil {
		const marker = "JWTHARNESS-ASSERTION-MARKER"
		r, err := vr.Fill(s.Minter, marker)
		if err != nil {
			return nil, err
		}
		form := r.Form()
		i := strings.Index(form, marker)
		if i < 0 {
			return nil, errors.New("scenario: cannot find the assertion in the token request form")
		}
		s.prefix, s.suffix = form[:i], form[i+len(marker):]
	}
	for _, e := range mix {
		if e.Mutation == "" || e.Mutation == "valid" {
			continue
		}
		if _, err := s.spec(e.Mutation); err != nil {
			return nil, fmt.Errorf("mix class %q: %w", e.Name, err)
		}
	}
	return s, nil
}

// Header is what every request carries besides the form (Authorization
// for a grant authenticated with client_secret_basic); nil when nothing.
func (s *Scenario) Header() http.Header {
	if len(s.req.Header) == 0 {
		return nil
	}
	return s.req.Header.Clone()
}

func (s *Scenario) spec(mutation string) (fixtures.Spec, error) {
	sp := s.req.Assertion
	if mutation == "" || mutation == "valid" {
		return sp, nil
	}
	return fixtures.Mutate(sp, mutation, s.mctx)
}

// Assertion mints one assertion of class k (a valid one for k < 0).
func (s *Scenario) Assertion(k int) (string, error) {
	m := ""
	if k >= 0 {
		m = s.Mix[k].Mutation
	}
	sp, err := s.spec(m)
	if err != nil {
		return "", err
	}
	return s.Minter.Mint(sp)
}

// Body wraps an assertion into the url-encoded token request form.
func (s *Scenario) Body(assertion string) ([]byte, error) {
	if s.req.ClientAssertion != nil {
		r, err := s.req.Fill(s.Minter, assertion)
		if err != nil {
			return nil, err
		}
		return []byte(r.Form()), nil
	}
	b := make([]byte, 0, len(s.prefix)+len(assertion)+len(s.suffix)+16)
	b = append(b, s.prefix...)
	b = append(b, url.QueryEscape(assertion)...)
	return append(b, s.suffix...), nil
}

// Mint is the Pool's MintFunc: a fresh assertion (new jti) in a request body.
func (s *Scenario) Mint(k int) (Item, error) {
	now := time.Now()
	a, err := s.Assertion(k)
	if err != nil {
		return Item{}, err
	}
	b, err := s.Body(a)
	if err != nil {
		return Item{}, err
	}
	return Item{Body: b, StaleAt: now.Add(s.StaleAfter)}, nil
}

// VerifyKey returns what verifies the credential's signatures (public
// key or HMAC secret), its algorithm and, for RSA, the key size in bits.
func (s *Scenario) VerifyKey() (jose.SignatureAlgorithm, any, int) {
	alg := s.Cred.Alg
	if s.Cred.Key == nil {
		return alg, s.Cred.Secret, 0
	}
	pub := s.Cred.Key.Public()
	bits := 0
	if k, ok := pub.(*rsa.PublicKey); ok {
		bits = k.N.BitLen()
	}
	return alg, pub, bits
}
