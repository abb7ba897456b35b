package suites

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/fixtureset"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/reference"
	"github.com/jwtharness/jwtharness/reference/registry"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites/catalog"
	"github.com/jwtharness/jwtharness/suites/driver"
)

// ReferenceOptions configure StartReference.
type ReferenceOptions struct {
	// Profile is the reference server's profile (default rfc7523).
	Profile target.Profile
	// Flaws are injected into the server (mutation proofs); none by default.
	Flaws []reference.Flaw
	// Logger receives the server's request log; nil discards it.
	Logger *slog.Logger
	// Registry replaces the registry of the shared fixture set (the
	// mutation proof registers one client differently); nil: Registry(set).
	Registry *registry.Registry
	// Leeway is the server's clock skew, declared in the target as well;
	// nil keeps the reference default (60s), a zero means none.
	Leeway *time.Duration
}

// EmbeddedSource is the TargetInfo.Source of the in-process reference server.
const EmbeddedSource = "embedded reference server"

// StartReference starts the spec-exact reference server in-process on
// loopback with the process's shared fixture set (fixtureset.Shared: keys,
// certificates and secrets generated once, the matching registry and a
// target aimed at the server) and returns the Env that drives it: its
// Clock is the server's clock, shared with the Minter, so boundary cases can
// freeze time. stop closes the server.
func StartReference(ctx context.Context, opts ReferenceOptions) (env *catalog.Env, stop func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	set, err := fixtureset.Shared()
	if err != nil {
		return nil, nil, fmt.Errorf("generating fixtures: %w", err)
	}
	reg := opts.Registry
	if reg == nil {
		if reg, err = Registry(set); err != nil {
			return nil, nil, fmt.Errorf("building the registry: %w", err)
		}
	}
	clock := &catalog.ManualClock{}
	profile := opts.Profile
	if profile == "" {
		profile = target.ProfileRFC7523
	}
	var leeway time.Duration
	if opts.Leeway != nil {
		if leeway = *opts.Leeway; leeway == 0 {
			leeway = reference.NoLeeway
		}
	}
	srv, err := reference.NewServer(reference.Options{
		Registry: reg,
		Profile:  profile,
		Now:      clock.Now,
		Flaws:    opts.Flaws,
		Logger:   opts.Logger,
		Leeway:   leeway,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("starting the reference server: %w", err)
	}
	t := set.NewTarget(srv.TokenURL, srv.Issuer)
	t.Profile = profile
	if opts.Leeway != nil {
		t.Leeway, t.LeewayDeclared = *opts.Leeway, true
	}
	// set.NewTarget declares the reference's policy (fixtureset
	// DeclareReferencePolicy), so that every POLICY case gates here.
	env, err = NewEnv(t)
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	env.Clock = clock
	env.Minter.Now = clock.Now
	return env, srv.Close, nil
}

// Registry registers every client of a fixture set, as the set's
// registry.yaml does, without going through the disk.
func Registry(set *fixtureset.Set) (*registry.Registry, error) {
	return registry.New(RegistryClients(set)...)
}

// RegistryClients are the registry entries of every client of a fixture
// set, for a caller that registers one of them differently.
func RegistryClients(set *fixtureset.Set) []*registry.Client {
	var clients []*registry.Client
	for _, c := range set.Clients {
		rc := &registry.Client{
			ID:         c.ID,
			Methods:    append([]registry.Method{}, c.Methods...),
			Algorithms: []jose.SignatureAlgorithm{c.Credential.Alg},
			Secret:     c.Credential.Secret,
			Subjects:   c.Subjects,
			Disabled:   c.Disabled,
		}
		rc.Certificates = c.Certificates()
		clients = append(clients, rc)
	}
	return clients
}

// NewEnv returns the Env for an endpoint described by a target: a driver
// client for its token endpoint and a Minter on the wall clock.
func NewEnv(t *target.Target) (*catalog.Env, error) {
	if t == nil {
		return nil, errors.New("no target")
	}
	c, err := driver.New(t)
	if err != nil {
		return nil, err
	}
	return &catalog.Env{Target: t, Client: c, Minter: &fixtures.Minter{}}, nil
}

// TargetInfo is the secret-free description of a target for reports.
func TargetInfo(t *target.Target) reports.TargetInfo {
	if t == nil {
		return reports.TargetInfo{}
	}
	info := reports.TargetInfo{URL: t.TokenEndpoint, Audience: t.Audience, Issuer: t.Issuer,
		Profile: string(t.Profile), Source: t.Source}
	for _, f := range t.OfferedFlows() {
		info.Flows = append(info.Flows, string(f))
	}
	if info.Source == "" {
		info.Source = EmbeddedSource
	}
	return info
}

// Describe is a one-line description of the endpoint, for logs.
func Describe(t *target.Target) string {
	var flows []string
	for _, f := range t.OfferedFlows() {
		flows = append(flows, string(f))
	}
	return fmt.Sprintf("%s (profile %s, flows %s)", t.TokenEndpoint, t.Profile, strings.Join(flows, ", "))
}
