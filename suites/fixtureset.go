package suites

import (
	"sync"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/reference/registry"
)

// memorySet is the in-memory fixture set StartReference registers with the
// reference server and describes in the target: the clients of DESIGN.md's
// example target file.
type memorySet struct {
	bearer, bearerPS, pk, pkRSA, hs, hs384     *fixtures.Credential
	other, expired, notYet, disabled, restrict *fixtures.Credential
	unregistered                               *fixtures.Credential
}

const (
	bearerSubject    = "alice"
	forbiddenSubject = "mallory"
)

func newFixtureSet() (*memorySet, error) {
	s := &memorySet{}
	type gen struct {
		dst *(*fixtures.Credential)
		id  string
		alg jose.SignatureAlgorithm
		v   fixtures.Validity
	}
	gens := []gen{
		{&s.bearer, "client-rsa", jose.RS256, fixtures.CertValid},
		{&s.bearerPS, "client-ps256", jose.PS256, fixtures.CertValid},
		{&s.pk, "client-ec", jose.ES256, fixtures.CertValid},
		{&s.hs, "client-secret", jose.HS256, fixtures.CertValid},
		{&s.hs384, "client-secret-384", jose.HS384, fixtures.CertValid},
		{&s.other, "client-ed", jose.EdDSA, fixtures.CertValid},
		{&s.expired, "client-expired", jose.ES256, fixtures.CertExpired},
		{&s.notYet, "client-future", jose.ES256, fixtures.CertNotYetValid},
		{&s.disabled, "client-disabled", jose.ES256, fixtures.CertValid},
		{&s.restrict, "client-restricted", jose.ES256, fixtures.CertValid},
		{&s.unregistered, "unregistered", jose.ES256, fixtures.CertValid},
	}
	// RSA key generation dominates start-up: generate in parallel.
	errs := make([]error, len(gens))
	var wg sync.WaitGroup
	for i, g := range gens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			*g.dst, errs[i] = fixtures.GenerateCredential(g.id, g.alg, g.v, 0)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	s.bearer.Subject = bearerSubject
	s.bearerPS.Subject = bearerSubject
	// private_key_jwt's RSA alternate is client-rsa itself (registered for both).
	s.pkRSA = &fixtures.Credential{ClientID: s.bearer.ClientID, Key: s.bearer.Key, Certificate: s.bearer.Certificate, Alg: jose.RS256}
	return s, nil
}

func regClient(c *fixtures.Credential, methods []registry.Method, subjects ...string) *registry.Client {
	rc := &registry.Client{ID: c.ClientID, Methods: methods, Algorithms: []jose.SignatureAlgorithm{c.Alg}, Subjects: subjects}
	if c.Certificate != nil {
		rc.Certificates = append(rc.Certificates, c.Certificate)
	}
	if len(c.Secret) > 0 {
		rc.Secret = c.Secret
	}
	return rc
}

func (s *memorySet) registry() (*registry.Registry, error) {
	both := []registry.Method{registry.MethodJWTBearer, registry.MethodPrivateKeyJWT}
	disabled := regClient(s.disabled, both, bearerSubject)
	disabled.Disabled = true
	return registry.New(
		regClient(s.bearer, both, bearerSubject),
		regClient(s.bearerPS, []registry.Method{registry.MethodJWTBearer}, bearerSubject),
		regClient(s.pk, []registry.Method{registry.MethodPrivateKeyJWT}),
		regClient(s.hs, []registry.Method{registry.MethodClientSecretJWT}),
		regClient(s.hs384, []registry.Method{registry.MethodClientSecretJWT}),
		regClient(s.other, both, bearerSubject),
		regClient(s.expired, both, bearerSubject),
		regClient(s.notYet, both, bearerSubject),
		disabled,
		regClient(s.restrict, nil),
	)
}

func (s *memorySet) target(tokenURL, audience, issuer string, profile target.Profile) *target.Target {
	return &target.Target{
		TokenEndpoint: tokenURL,
		Audience:      audience,
		Issuer:        issuer,
		Profile:       profile,
		MaxLifetime:   target.DefaultMaxLifetime,
		Leeway:        target.DefaultLeeway,
		Timeout:       target.DefaultTimeout,
		Formats:       []string{target.FormatJSON, target.FormatURLEncoded, target.FormatXML},
		Flows: map[fixtures.Flow]*target.FlowConfig{
			fixtures.FlowJWTBearer: {Credential: s.bearer, ForbiddenSubject: forbiddenSubject,
				Alternates: []*fixtures.Credential{s.bearerPS}},
			fixtures.FlowPrivateKeyJWT:   {Credential: s.pk, Alternates: []*fixtures.Credential{s.pkRSA}},
			fixtures.FlowClientSecretJWT: {Credential: s.hs, Alternates: []*fixtures.Credential{s.hs384}},
		},
		UnregisteredKey:   s.unregistered.Key,
		UnregisteredCert:  s.unregistered.Certificate,
		OtherClient:       s.other,
		ExpiredClient:     s.expired,
		NotYetValidClient: s.notYet,
		DisabledClient:    s.disabled,
		RestrictedClient:  s.restrict,
	}
}
