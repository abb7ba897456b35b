package reference

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jwtharness/jwtharness/reference/flaws"
	"github.com/jwtharness/jwtharness/reference/profile"
	"github.com/jwtharness/jwtharness/reference/registry"
)

// Defaults of Options.
const (
	DefaultMaxLifetime    = 5 * time.Minute
	DefaultLeeway         = 60 * time.Second
	DefaultTokenLifetime  = time.Hour
	DefaultMaxBodyBytes   = 64 << 10
	DefaultReplayCapacity = 1 << 20
	DefaultRefusalLogRate = 20

	// NoLeeway as Options.Leeway disables clock-skew leeway (a zero Leeway
	// means the default).
	NoLeeway time.Duration = -1
)

// Options configure the reference server and its Verifier.
type Options struct {
	// Registry holds the clients. Required.
	Registry *registry.Registry
	// Issuer is the authorization server's issuer identifier (RFC 8414). When
	// set it is an accepted aud value (RFC 7523 §3 item 3), and under profile
	// rfc7523bis the only one for client authentication. NewServer defaults
	// it to the server's base URL; NewHandler leaves it empty.
	Issuer string
	// Audience is the accepted aud value that identifies the token endpoint;
	// NewServer defaults it to TokenURL. Required for NewHandler.
	Audience string
	// TokenEndpoint is the token endpoint URL advertised in the metadata
	// (default: Audience).
	TokenEndpoint string
	// Profile is profile.RFC7523 (default) or profile.RFC7523bis.
	Profile profile.Profile
	// MaxLifetime bounds exp: exp <= now + MaxLifetime + Leeway (default 5m).
	MaxLifetime time.Duration
	// Leeway is the clock skew allowed on exp, nbf and iat (default 60s;
	// NoLeeway for none).
	Leeway time.Duration
	// TokenLifetime is the expires_in of issued access tokens (default 1h).
	TokenLifetime time.Duration
	// Now is the clock (default time.Now). Conformance boundary cases freeze it.
	Now func() time.Time
	// Flaws are deliberate deviations to inject (none by default).
	Flaws []Flaw
	// MaxBodyBytes limits the request body and the assertion (default 64 KiB).
	MaxBodyBytes int64
	// ReplayCapacity bounds the number of live (iss, jti) entries kept for
	// replay detection for each registered client (default 1<<20): the
	// cache is partitioned by client, so memory is bounded by clients x
	// capacity. When a client's partition is full of unexpired entries the
	// server fails that client closed: 503 temporarily_unavailable with
	// Retry-After, never an unchecked assertion; other clients are not
	// affected.
	ReplayCapacity int
	// RefusalLogRate bounds the "token refused" log lines per second
	// (default 20; negative: every refusal is logged). Refusals beyond it
	// are counted and reported in one "token refusals not logged" line
	// per second, so a flood of bad requests cannot fill a disk.
	RefusalLogRate int
	// Logger receives one line per request (never a token, assertion or
	// secret). Default: discard.
	Logger *slog.Logger
}

// withDefaults validates o and fills in the defaults.
func (o Options) withDefaults() (Options, error) {
	if o.Registry == nil {
		return o, errors.New("reference: Options.Registry is required")
	}
	switch o.Profile {
	case "":
		o.Profile = profile.RFC7523
	case profile.RFC7523, profile.RFC7523bis:
	default:
		return o, fmt.Errorf("reference: unknown profile %q (want %s or %s)", o.Profile, profile.RFC7523, profile.RFC7523bis)
	}
	if o.Profile == profile.RFC7523bis && o.Issuer == "" {
		return o, errors.New("reference: profile rfc7523bis needs an issuer identifier (Options.Issuer)")
	}
	if o.Audience == "" {
		return o, errors.New("reference: Options.Audience is required")
	}
	if o.TokenEndpoint == "" {
		o.TokenEndpoint = o.Audience
	}
	if o.MaxLifetime == 0 {
		o.MaxLifetime = DefaultMaxLifetime
	}
	if o.MaxLifetime < 0 {
		return o, errors.New("reference: Options.MaxLifetime is negative")
	}
	switch {
	case o.Leeway == 0:
		o.Leeway = DefaultLeeway
	case o.Leeway < 0:
		o.Leeway = 0
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = DefaultTokenLifetime
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.ReplayCapacity <= 0 {
		o.ReplayCapacity = DefaultReplayCapacity
	}
	if o.RefusalLogRate == 0 {
		o.RefusalLogRate = DefaultRefusalLogRate
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	for _, f := range o.Flaws {
		if _, ok := flaws.Lookup(string(f)); !ok {
			return o, fmt.Errorf("reference: unknown flaw %q (see jwtharness serve --list-flaws)", f)
		}
	}
	return o, nil
}
