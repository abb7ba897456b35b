package loadgen

import (
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/reference"
	"github.com/jwtharness/jwtharness/reference/registry"
)

// Embedded is the in-process reference server a load run targets when no
// target file is given, with the target description that matches it.
type Embedded struct {
	Server *reference.Server
	Target *target.Target
}

// Close stops the server.
func (e *Embedded) Close() { e.Server.Close() }

// StartEmbedded starts the reference server on loopback with one client
// registered for flow and alg (RSA keys of rsaBits), plus another client
// and an unregistered key for the mutations that need them. Keys live in
// memory only.
func StartEmbedded(flow fixtures.Flow, alg jose.SignatureAlgorithm, rsaBits int) (*Embedded, error) {
	return StartEmbeddedProfile(flow, alg, rsaBits, target.ProfileRFC7523)
}

// StartEmbeddedProfile is StartEmbedded under profile (rfc7523 or
// rfc7523bis: client assertions must then name the issuer identifier).
func StartEmbeddedProfile(flow fixtures.Flow, alg jose.SignatureAlgorithm, rsaBits int, profile target.Profile) (*Embedded, error) {
	if !flow.Valid() {
		return nil, fmt.Errorf("unknown flow %q", flow)
	}
	if alg == "" {
		switch flow {
		case fixtures.FlowClientSecretJWT:
			alg = jose.HS256
		case fixtures.FlowPrivateKeyJWT:
			alg = jose.ES256
		default:
			alg = jose.RS256
		}
	}
	if rsaBits == 0 {
		rsaBits = 2048
	}
	now := time.Now()
	cred := &fixtures.Credential{ClientID: "load-client", Subject: "alice", Alg: alg}
	rc := &registry.Client{ID: cred.ClientID, Methods: []registry.Method{registry.Method(flow)},
		Algorithms: []jose.SignatureAlgorithm{alg}}
	if flow == fixtures.FlowJWTBearer {
		rc.Subjects = []string{"alice"}
	}
	switch alg {
	case jose.HS256, jose.HS384, jose.HS512:
		if flow != fixtures.FlowClientSecretJWT {
			return nil, fmt.Errorf("%s is an HMAC algorithm: only client_secret_jwt uses it", alg)
		}
		secret := make([]byte, 48)
		if _, err := rand.Read(secret); err != nil {
			return nil, err
		}
		cred.Secret, rc.Secret = secret, secret
	default:
		if flow == fixtures.FlowClientSecretJWT {
			return nil, fmt.Errorf("client_secret_jwt signs with HS256/384/512, not %s", alg)
		}
		kt, err := fixtures.KeyTypeFor(alg, rsaBits)
		if err != nil {
			return nil, err
		}
		key, err := fixtures.GenerateKey(kt)
		if err != nil {
			return nil, err
		}
		cert, err := fixtures.SelfSign(key, cred.ClientID, fixtures.CertValid, now)
		if err != nil {
			return nil, err
		}
		cred.Key, cred.Certificate = key, cert
		rc.Certificates = []*x509.Certificate{cert}
	}
	// Another registered client and an unregistered key: P-256, instant.
	otherKey, err := fixtures.GenerateKey(fixtures.KeyP256)
	if err != nil {
		return nil, err
	}
	otherCert, err := fixtures.SelfSign(otherKey, "load-other", fixtures.CertValid, now)
	if err != nil {
		return nil, err
	}
	other := &fixtures.Credential{ClientID: "load-other", Subject: "alice", Key: otherKey, Certificate: otherCert, Alg: jose.ES256}
	otherReg := &registry.Client{ID: other.ClientID, Methods: []registry.Method{registry.Method(flow)},
		Algorithms: []jose.SignatureAlgorithm{jose.ES256}, Certificates: []*x509.Certificate{otherCert}}
	if flow == fixtures.FlowClientSecretJWT {
		// client_secret_jwt clients hold a secret, not a key.
		secret := make([]byte, 48)
		if _, err := rand.Read(secret); err != nil {
			return nil, err
		}
		other = &fixtures.Credential{ClientID: "load-other", Subject: "alice", Secret: secret, Alg: jose.HS256}
		otherReg = &registry.Client{ID: other.ClientID, Methods: []registry.Method{registry.Method(flow)},
			Algorithms: []jose.SignatureAlgorithm{jose.HS256}, Secret: secret}
	}
	strangerKey, err := fixtures.GenerateKey(fixtures.KeyP256)
	if err != nil {
		return nil, err
	}
	strangerCert, err := fixtures.SelfSign(strangerKey, "unregistered", fixtures.CertValid, now)
	if err != nil {
		return nil, err
	}
	reg, err := registry.New(rc, otherReg)
	if err != nil {
		return nil, err
	}
	srv, err := reference.NewServer(reference.Options{Registry: reg, Profile: profile})
	if err != nil {
		return nil, err
	}
	opts := srv.Options()
	t := &target.Target{
		Source: "embedded reference server", TokenEndpoint: srv.TokenURL, Audience: srv.TokenURL, Issuer: srv.Issuer,
		Profile: opts.Profile, MaxLifetime: opts.MaxLifetime, Leeway: opts.Leeway, Timeout: 10 * time.Second,
		Formats: []string{"json"}, Flows: map[fixtures.Flow]*target.FlowConfig{flow: {Credential: cred}},
		UnregisteredKey: strangerKey, UnregisteredCert: strangerCert, OtherClient: other,
	}
	if t.MaxLifetime <= 0 {
		t.MaxLifetime = 5 * time.Minute
	}
	if t.Leeway <= 0 {
		t.Leeway = time.Minute
	}
	return &Embedded{Server: srv, Target: t}, nil
}
