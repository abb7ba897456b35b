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
	// forms are the requests of the mix classes whose mutation also edits
	// the form (fixtures.Mutation.Params), by class index.
	forms map[int]*classForm
}

// classForm is a mix class's own request and its form around the assertion.
type classForm struct {
	req            *validreq.Request
	prefix, suffix string
}

// splice renders vr's form around a marker assertion: the prefix and the
// suffix the minted assertion goes between.
func splice(vr *validreq.Request, m *fixtures.Minter) (prefix, suffix string, err error) {
	const marker = "JWTHARNESS-ASSERTION-MARKER"
	r, err := vr.Fill(m, marker)
	if err != nil {
		return "", "", err
	}
	form := r.Form()
	i := strings.Index(form, marker)
	if i < 0 {
		return "", "", errors.New("scenario: cannot find the assertion in the token request form")
	}
	return form[:i], form[i+len(marker):], nil
}

// withParamEdits is a copy of vr with edits applied to its form.
func withParamEdits(vr *validreq.Request, edits []fixtures.ParamEdit) *validreq.Request {
	out := *vr
	out.Params = append([]validreq.Param(nil), vr.Params...)
	fixtures.ApplyParamEdits(edits, out.Has, func(name, value string) {
		for i := range out.Params {
			if out.Params[i].Name == name {
				out.Params[i].Value, out.Params[i].Slot = value, validreq.SlotNone
				return
			}
		}
		out.Params = append(out.Params, validreq.Param{Name: name, Value: value})
	}, func(name string) {
		kept := out.Params[:0]
		for _, p := range out.Params {
			if p.Name != name {
				kept = append(kept, p)
			}
		}
		out.Params = kept
	})
	return &out
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
		var err error
		if s.prefix, s.suffix, err = splice(vr, s.Minter); err != nil {
			return nil, err
		}
	}
	for k, e := range mix {
		if e.Mutation == "" || e.Mutation == "valid" {
			continue
		}
		if _, err := s.spec(e.Mutation); err != nil {
			return nil, fmt.Errorf("mix class %q: %w", e.Name, err)
		}
		m, _ := fixtures.LookupMutation(e.Mutation)
		edits := m.ParamEdits(vr.Assertion, s.mctx)
		if len(edits) == 0 {
			continue
		}
		cf := &classForm{req: withParamEdits(vr, edits)}
		if vr.ClientAssertion == nil {
			var err error
			if cf.prefix, cf.suffix, err = splice(cf.req, s.Minter); err != nil {
				return nil, fmt.Errorf("mix class %q: %w", e.Name, err)
			}
		}
		if s.forms == nil {
			s.forms = map[int]*classForm{}
		}
		s.forms[k] = cf
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
func (s *Scenario) Body(assertion string) ([]byte, error) { return s.BodyFor(-1, assertion) }

// BodyFor is the request body of mix class k (the valid request for k < 0)
// carrying assertion: the class's own form when its mutation edits the
// form too (claims-iss-unknown names the unknown issuer in client_id).
func (s *Scenario) BodyFor(k int, assertion string) ([]byte, error) {
	req, prefix, suffix := s.req, s.prefix, s.suffix
	if cf := s.forms[k]; cf != nil {
		req, prefix, suffix = cf.req, cf.prefix, cf.suffix
	}
	if req.ClientAssertion != nil {
		r, err := req.Fill(s.Minter, assertion)
		if err != nil {
			return nil, err
		}
		return []byte(r.Form()), nil
	}
	b := make([]byte, 0, len(prefix)+len(assertion)+len(suffix)+16)
	b = append(b, prefix...)
	b = append(b, url.QueryEscape(assertion)...)
	return append(b, suffix...), nil
}

// Mint is the Pool's MintFunc: a fresh assertion (new jti) in a request body.
func (s *Scenario) Mint(k int) (Item, error) {
	now := time.Now()
	a, err := s.Assertion(k)
	if err != nil {
		return Item{}, err
	}
	b, err := s.BodyFor(k, a)
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
