package catalog

import (
	"errors"
	"fmt"
	"time"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites/driver"
)

// mutation is the one deliberate change a negative case makes to a valid
// request: to the assertion's spec (claims, signing, serialization) and/or
// to the HTTP request around it. A zero mutation changes nothing.
type mutation struct {
	spec func(s *session, sp *fixtures.Spec) error
	req  func(s *session, r *driver.Request) error
}

// claims edits the claim set.
func claims(f func(s *session, c fixtures.Claims)) mutation {
	return mutation{spec: func(s *session, sp *fixtures.Spec) error {
		sp.Claims = append(sp.Claims, func(c fixtures.Claims) { f(s, c) })
		return nil
	}}
}

// setClaim sets one claim to a fixed value.
func setClaim(name string, v any) mutation {
	return claims(func(_ *session, c fixtures.Claims) { c[name] = v })
}

// delClaim removes one claim.
func delClaim(name string) mutation {
	return claims(func(_ *session, c fixtures.Claims) { delete(c, name) })
}

// specEdit edits the spec (algorithm, key, header, credential).
func specEdit(f func(s *session, sp *fixtures.Spec) error) mutation { return mutation{spec: f} }

// tokenEdit edits the signed compact serialization.
func tokenEdit(f func(s *session, tok string) (string, error)) mutation {
	return mutation{spec: func(s *session, sp *fixtures.Spec) error {
		prev := sp.Token
		sp.Token = func(tok string) (string, error) {
			if prev != nil {
				var err error
				if tok, err = prev(tok); err != nil {
					return "", err
				}
			}
			return f(s, tok)
		}
		return nil
	}}
}

// reqEdit edits the HTTP request.
func reqEdit(f func(s *session, r *driver.Request) error) mutation { return mutation{req: f} }

// reqNamed applies the driver request edit called name (driver.RequestEdit).
func reqNamed(name string) mutation {
	return reqEdit(func(s *session, r *driver.Request) error {
		e, ok := driver.LookupRequestEdit(name)
		if !ok {
			return fmt.Errorf("unknown request edit %q", name)
		}
		return e.Apply(r, s.flow)
	})
}

// then combines two mutations (both applied, a first).
func (m mutation) then(n mutation) mutation {
	return mutation{
		spec: func(s *session, sp *fixtures.Spec) error {
			if m.spec != nil {
				if err := m.spec(s, sp); err != nil {
					return err
				}
			}
			if n.spec != nil {
				return n.spec(s, sp)
			}
			return nil
		},
		req: func(s *session, r *driver.Request) error {
			if m.req != nil {
				if err := m.req(s, r); err != nil {
					return err
				}
			}
			if n.req != nil {
				return n.req(s, r)
			}
			return nil
		},
	}
}

// build makes the case's request: a valid assertion of the flow, minted
// with a fresh jti, with the mutation applied when mutated is set.
func (s *session) build(m mutation, mutated bool) (*driver.Request, error) {
	sp := s.spec()
	if mutated && m.spec != nil {
		if err := m.spec(s, &sp); err != nil {
			return nil, err
		}
	}
	tok, err := s.mint(sp)
	if err != nil {
		return nil, err
	}
	r := s.request(tok)
	if mutated && m.req != nil {
		if err := m.req(s, r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// rejectWith is the body of a negative case: the paired control (the same
// request without the mutation must be issued), the mutated request (must
// be refused as w says, with every invariant), then a follow-up valid
// request (the endpoint must still answer).
func rejectWith(m mutation, w func(s *session) want) RunFunc {
	return body(func(s *session) reports.Verdict {
		return s.reject(m, w(s))
	})
}

func (s *session) reject(m mutation, w want) reports.Verdict {
	req, end := s.controlThen(m)
	if end != nil {
		return *end
	}
	ex := s.send("case (mutated request; must be refused)", req)
	return s.finish(s.judgeRejected(ex, w))
}

// sendControl mints a valid request and sends it as the paired control. It
// returns that request, or the verdict that ends the case when the control
// could not be built or was not issued a token.
func (s *session) sendControl() (*driver.Request, *reports.Verdict) {
	ctrl, err := s.validRequest()
	if err != nil {
		v := errorf("could not mint the control assertion: %v", err)
		return nil, &v
	}
	if _, bad := s.control(ctrl); bad != nil {
		return nil, bad
	}
	return ctrl, nil
}

// controlThen sends m's paired control (the same request without the
// mutation, which must be issued) and returns m's mutated request, or the
// verdict that ends the case: SKIP when m does not apply, ERROR when a
// request cannot be built, the control's failure.
func (s *session) controlThen(m mutation) (*driver.Request, *reports.Verdict) {
	end := func(v reports.Verdict) (*driver.Request, *reports.Verdict) { return nil, &v }
	if err := s.check(m); err != nil {
		return end(skipf("%v", err))
	}
	ctrl, err := s.build(m, false)
	if err != nil {
		return end(errorf("could not build the control request: %v", err))
	}
	if _, bad := s.control(ctrl); bad != nil {
		return nil, bad
	}
	req, err := s.build(m, true)
	if errors.Is(err, fixtures.ErrNotApplicable) {
		return end(skipf("%v", err))
	}
	if err != nil {
		return end(errorf("could not build the case's request: %v", err))
	}
	return req, nil
}

// finish runs the follow-up health check unless the verdict already failed.
func (s *session) finish(v reports.Verdict) reports.Verdict {
	if v.Outcome == reports.Fail || v.Outcome == reports.Error {
		return v
	}
	h := s.health()
	switch {
	case h == nil:
		return v
	case h.Outcome == reports.Warn:
		if v.Reason != "" {
			h.Reason = v.Reason + "; also: " + h.Reason
		}
		h.Expected, h.Actual = v.Expected, v.Actual+"; follow-up: "+h.Actual
	}
	return *h
}

// acceptWith is the body of a positive case: the (possibly varied) valid
// request must be issued a token.
func acceptWith(m mutation) RunFunc {
	return body(func(s *session) reports.Verdict {
		req, err := s.build(m, true)
		if errors.Is(err, fixtures.ErrNotApplicable) {
			return skipf("%v", err)
		}
		if err != nil {
			return errorf("could not build the request: %v", err)
		}
		return s.judgeIssued(s.send("case (must be issued a token)", req))
	})
}

// frozen runs f with the endpoint's clock stopped on a whole second
// (Execute releases it); the case must need CapClockControl.
func frozen(f RunFunc) RunFunc {
	return body(func(s *session) reports.Verdict {
		if s.env.Clock == nil {
			return skipf("needs %s", CapClockControl)
		}
		s.env.Clock.Freeze(s.env.Clock.Now().Truncate(time.Second))
		defer s.env.Clock.Release()
		return f(s.ctx, s.env, s.flow)
	})
}

// now is the harness's idea of the endpoint's time (the Minter's clock).
func (s *session) now() time.Time {
	if s.env.Minter != nil && s.env.Minter.Now != nil {
		return s.env.Minter.Now()
	}
	return time.Now()
}

// leeway is the clock skew the target declares.
func (s *session) leeway() time.Duration { return s.env.Target.Leeway }

// maxLifetime is the longest exp - now the target accepts for the flow
// (its declared cap, else the file-wide default the harness assumes).
func (s *session) maxLifetime() time.Duration {
	if max, declared := s.env.Target.LifetimeCap(s.flow); declared && max > 0 {
		return max
	}
	return s.env.Target.MaxLifetime
}

// flowErrW, malformedW, badRequestW adapt the want constructors.
func flowErrW(s *session) want        { return flowErr(s.flow) }
func strictW(s *session) want         { return strictFlowErr(s.flow) }
func malformedW(s *session) want      { return malformedErr(s.flow) }
func invalidRequestW(s *session) want { return badRequest() }
func constW(w want) func(*session) want {
	return func(*session) want { return w }
}

// neg makes c a negative case refused with the flow's error.
func neg(c Case, m mutation) Case { return negW(c, m, flowErrW) }

// negW makes c a negative case refused as w says.
func negW(c Case, m mutation, w func(*session) want) Case {
	c.Negative = true
	c.Run = rejectWith(m, w)
	return c
}

// pos makes c a positive case.
func pos(c Case, m mutation) Case {
	c.Run = acceptWith(m)
	return c
}

func errNoCred(what string) error { return fmt.Errorf("the target has no %s", what) }

// mutationContext is what the fixtures mutations need from the target.
func (s *session) mutationContext() fixtures.MutationContext {
	mc := s.env.Target.MutationContextFor(s.flow)
	mc.JKU = s.jku
	mc.Other = s.env.Target.OtherClientFor(s.flow)
	mc.Unregistered = s.unregistered()
	mc.MaxLifetime = s.maxLifetime()
	return mc
}

// named applies the fixtures mutation called name: its assertion edit and
// its form edits (fixtures.Mutation.Params).
func named(name string) mutation {
	return mutation{spec: func(s *session, sp *fixtures.Spec) error {
		out, err := fixtures.Mutate(*sp, name, s.mutationContext())
		if err != nil {
			return err
		}
		*sp = out
		return nil
	}, req: func(s *session, r *driver.Request) error {
		m, ok := fixtures.LookupMutation(name)
		if !ok {
			return fmt.Errorf("unknown mutation %q", name)
		}
		fixtures.ApplyParamEdits(m.ParamEdits(s.spec(), s.mutationContext()), r.Has,
			func(n, v string) { r.Set(n, v) }, func(n string) { r.Del(n) })
		return nil
	}}
}

// negM makes c a negative case made by its fixtures mutation c.Mutation
// (plus any extra edit), refused as w says.
func negM(c Case, w func(*session) want, extra ...mutation) Case {
	m := named(c.Mutation)
	for _, e := range extra {
		m = m.then(e)
	}
	return negW(c, m, w)
}

// check applies m's spec edit to a throw-away spec and returns the
// fixtures.ErrNotApplicable it may report (the case then SKIPs).
func (s *session) check(m mutation) error {
	if m.spec == nil {
		return nil
	}
	sp := s.spec()
	if err := m.spec(s, &sp); errors.Is(err, fixtures.ErrNotApplicable) {
		return err
	}
	return nil
}

// unregistered is a key no client registered that signs with the flow's
// algorithm: the target's unregistered key when its algorithm fits, else a
// key of the flow's type generated once per process. With a key of another
// type the endpoint's algorithm pinning alone would refuse the assertion,
// and the case would not show whether the key is checked.
func (s *session) unregistered() *fixtures.Credential {
	u := s.env.Target.Unregistered()
	me := s.cred()
	if me == nil || me.Key == nil {
		return u
	}
	if u != nil && fixtures.CanSign(u.Key, me.Alg) {
		u.Alg = me.Alg
		return u
	}
	return fixtures.Stranger(u, me.Alg)
}
