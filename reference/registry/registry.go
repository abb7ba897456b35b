package registry

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/goccy/go-yaml"

	"github.com/jwtharness/jwtharness/fixtures/yamlfile"
)

// MinSecretBytes is the shortest client secret the registry accepts: the
// HS256 key size (RFC 7518 §3.2, "A key of the same size as the hash output
// ... or larger MUST be used"). HS384 and HS512 need 48 and 64 bytes.
const MinSecretBytes = 32

// Client is one registered client application.
type Client struct {
	// ID is the client_id, compared exactly (no case folding, no trimming).
	ID string
	// Methods are the flows the client may use.
	Methods []Method
	// Algorithms are the registered signing algorithms; any other is refused.
	Algorithms []jose.SignatureAlgorithm
	// Certificates are the client's registered X.509 certificates (several
	// during a key rotation). Their public keys are the only keys that may
	// verify the client's asymmetric assertions.
	Certificates []*x509.Certificate
	// Secret is the client secret keying HS* assertions (client_secret_jwt).
	Secret []byte
	// Subjects are the sub values a jwt_bearer assertion of this client may
	// carry; empty means any non-empty sub.
	Subjects []string
	// Disabled clients are refused whatever they send.
	Disabled bool
}

// Allows reports whether the client is registered for method m.
func (c *Client) Allows(m Method) bool {
	for _, x := range c.Methods {
		if x == m {
			return true
		}
	}
	return false
}

// AllowsAlg reports whether alg is one of the client's registered algorithms.
func (c *Client) AllowsAlg(alg jose.SignatureAlgorithm) bool {
	for _, x := range c.Algorithms {
		if x == alg {
			return true
		}
	}
	return false
}

// AllowsSubject reports whether a jwt_bearer assertion of this client may
// name sub (exact comparison; an empty Subjects list allows any non-empty sub).
func (c *Client) AllowsSubject(sub string) bool {
	if sub == "" {
		return false
	}
	if len(c.Subjects) == 0 {
		return true
	}
	for _, s := range c.Subjects {
		if s == sub {
			return true
		}
	}
	return false
}

// Registry is an immutable set of clients keyed by client_id. It is safe
// for concurrent use.
type Registry struct {
	clients map[string]*Client
	order   []*Client
}

// New builds a registry from clients, validating each one (see Validate).
func New(clients ...*Client) (*Registry, error) {
	r := &Registry{clients: make(map[string]*Client, len(clients))}
	for i, c := range clients {
		if c == nil {
			return nil, fmt.Errorf("registry: client #%d is nil", i+1)
		}
		if err := c.Validate(); err != nil {
			return nil, err
		}
		if _, dup := r.clients[c.ID]; dup {
			return nil, fmt.Errorf("registry: client %q: client_id registered twice", c.ID)
		}
		r.clients[c.ID] = c
		r.order = append(r.order, c)
	}
	return r, nil
}

// Lookup returns the client registered under exactly id.
func (r *Registry) Lookup(id string) (*Client, bool) {
	if r == nil {
		return nil, false
	}
	c, ok := r.clients[id]
	return c, ok
}

// Clients returns every client in registration order.
func (r *Registry) Clients() []*Client {
	if r == nil {
		return nil
	}
	return append([]*Client(nil), r.order...)
}

var (
	symmetricAlgs = map[jose.SignatureAlgorithm]int{jose.HS256: 32, jose.HS384: 48, jose.HS512: 64}
	asymAlgs      = map[jose.SignatureAlgorithm]bool{
		jose.RS256: true, jose.RS384: true, jose.RS512: true,
		jose.PS256: true, jose.PS384: true, jose.PS512: true,
		jose.ES256: true, jose.ES384: true, jose.ES512: true,
		jose.EdDSA: true,
	}
)

// IsHMAC reports whether alg is one of HS256, HS384, HS512.
func IsHMAC(alg jose.SignatureAlgorithm) bool { _, ok := symmetricAlgs[alg]; return ok }

// IsAsymmetric reports whether alg is one of RS*, PS*, ES*, EdDSA.
func IsAsymmetric(alg jose.SignatureAlgorithm) bool { return asymAlgs[alg] }

// KeyFits reports whether pub can verify alg: RS*/PS* need RSA, ES256 P-256,
// ES384 P-384, ES512 P-521, EdDSA Ed25519.
func KeyFits(alg jose.SignatureAlgorithm, pub any) bool {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return strings.HasPrefix(string(alg), "RS") || strings.HasPrefix(string(alg), "PS")
	case *ecdsa.PublicKey:
		switch alg {
		case jose.ES256:
			return k.Curve == elliptic.P256()
		case jose.ES384:
			return k.Curve == elliptic.P384()
		case jose.ES512:
			return k.Curve == elliptic.P521()
		}
	case ed25519.PublicKey:
		return alg == jose.EdDSA
	}
	return false
}

// Validate checks a client: non-empty id, known methods, known algorithms,
// the credentials each method needs, secret length.
func (c *Client) Validate() error {
	if c.ID == "" {
		return errors.New("registry: a client has an empty client_id")
	}
	// An empty Methods list is legal: the client is registered but may use
	// no flow (every request of it is refused as unauthorized).
	for _, m := range c.Methods {
		switch m {
		case MethodJWTBearer, MethodPrivateKeyJWT, MethodClientSecretJWT:
		default:
			return fmt.Errorf("registry: client %q: methods: unknown method %q (want jwt_bearer, private_key_jwt or client_secret_jwt)", c.ID, m)
		}
	}
	if len(c.Algorithms) == 0 {
		return fmt.Errorf("registry: client %q: algorithms: none listed", c.ID)
	}
	var hasHMAC, hasAsym bool
	for _, a := range c.Algorithms {
		switch {
		case IsHMAC(a):
			hasHMAC = true
		case IsAsymmetric(a):
			hasAsym = true
		default:
			return fmt.Errorf("registry: client %q: algorithms: unknown or unsupported algorithm %q", c.ID, a)
		}
	}
	if c.Secret != nil && len(c.Secret) < MinSecretBytes {
		return fmt.Errorf("registry: client %q: secret: %d bytes is too short, at least %d are required (RFC 7518 section 3.2)", c.ID, len(c.Secret), MinSecretBytes)
	}
	if hasHMAC {
		if c.Secret == nil {
			return fmt.Errorf("registry: client %q: algorithms: HS* listed but no secret or secret_file", c.ID)
		}
		for _, a := range c.Algorithms {
			if n, ok := symmetricAlgs[a]; ok && len(c.Secret) < n {
				return fmt.Errorf("registry: client %q: secret: %d bytes is too short for %s, at least %d are required (RFC 7518 section 3.2)", c.ID, len(c.Secret), a, n)
			}
		}
	}
	if hasAsym && len(c.Certificates) == 0 {
		return fmt.Errorf("registry: client %q: algorithms: asymmetric algorithm listed but no certificates", c.ID)
	}
	if c.Allows(MethodPrivateKeyJWT) && (!hasAsym || len(c.Certificates) == 0) {
		return fmt.Errorf("registry: client %q: methods: private_key_jwt needs certificates and an RS/PS/ES/EdDSA algorithm", c.ID)
	}
	if c.Allows(MethodClientSecretJWT) && (!hasHMAC || c.Secret == nil) {
		return fmt.Errorf("registry: client %q: methods: client_secret_jwt needs a secret and an HS* algorithm", c.ID)
	}
	for i, cert := range c.Certificates {
		if cert == nil {
			return fmt.Errorf("registry: client %q: certificates: #%d is nil", c.ID, i+1)
		}
		switch cert.PublicKey.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		default:
			return fmt.Errorf("registry: client %q: certificates: #%d has an unsupported key type %T", c.ID, i+1, cert.PublicKey)
		}
	}
	for _, a := range c.Algorithms {
		if !IsAsymmetric(a) {
			continue
		}
		fits := false
		for _, cert := range c.Certificates {
			fits = fits || KeyFits(a, cert.PublicKey)
		}
		if !fits {
			return fmt.Errorf("registry: client %q: algorithms: %s does not fit the key of any registered certificate", c.ID, a)
		}
	}
	return nil
}

// Load reads a registry file; certificate and secret paths are relative to
// the file's directory.
func Load(path string) (*Registry, error) {
	data, err := yamlfile.Read(path, yamlfile.Default)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	r, err := Parse(data, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expandEnv replaces ${NAME} with the environment variable NAME; an unset
// variable is an error naming it.
func expandEnv(s string) (string, error) {
	var missing string
	out := envRef.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		v, ok := os.LookupEnv(name)
		if !ok && missing == "" {
			missing = name
		}
		return v
	})
	if missing != "" {
		return "", fmt.Errorf("environment variable %s is not set", missing)
	}
	return out, nil
}

// Parse decodes a registry file (strict YAML: unknown keys are errors) and
// resolves its certificates and secrets relative to dir.
func Parse(data []byte, dir string) (*Registry, error) {
	if err := yamlfile.Check(data, yamlfile.Default); err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	var f File
	if err := yaml.UnmarshalWithOptions(data, &f, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("registry: %s", yaml.FormatError(err, false, true))
	}
	if len(f.Clients) == 0 {
		return nil, errors.New("registry: clients: no clients")
	}
	clients := make([]*Client, 0, len(f.Clients))
	for i, e := range f.Clients {
		c, err := e.resolve(dir)
		if err != nil {
			if e.ClientID == "" {
				return nil, fmt.Errorf("registry: clients[%d]: %w", i, err)
			}
			return nil, fmt.Errorf("registry: client %q: %w", e.ClientID, err)
		}
		clients = append(clients, c)
	}
	return New(clients...)
}

func (e ClientEntry) resolve(dir string) (*Client, error) {
	c := &Client{ID: e.ClientID, Methods: e.Methods, Subjects: e.Subjects, Disabled: e.Disabled}
	if e.ClientID == "" {
		return nil, errors.New("client_id: missing")
	}
	for _, a := range e.Algorithms {
		c.Algorithms = append(c.Algorithms, jose.SignatureAlgorithm(a))
	}
	for _, p := range e.Certificates {
		p, err := expandEnv(p)
		if err != nil {
			return nil, fmt.Errorf("certificates: %w", err)
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		certs, err := readCertificates(p)
		if err != nil {
			return nil, fmt.Errorf("certificates: %w", err)
		}
		c.Certificates = append(c.Certificates, certs...)
	}
	switch {
	case e.Secret != "" && e.SecretFile != "":
		return nil, errors.New("secret and secret_file: give only one")
	case e.Secret != "":
		s, err := expandEnv(e.Secret)
		if err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
		if s == "" {
			return nil, errors.New("secret: empty after expansion")
		}
		c.Secret = []byte(s)
	case e.SecretFile != "":
		p, err := expandEnv(e.SecretFile)
		if err != nil {
			return nil, fmt.Errorf("secret_file: %w", err)
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		b, err := yamlfile.Read(p, yamlfile.Limits{MaxBytes: maxKeyFileBytes})
		if err != nil {
			return nil, fmt.Errorf("secret_file: %w", err)
		}
		b = bytes.TrimRight(b, "\r\n")
		if len(b) == 0 {
			return nil, fmt.Errorf("secret_file: %s is empty", p)
		}
		c.Secret = b
	}
	return c, nil
}

// maxKeyFileBytes caps a certificate or secret file.
const maxKeyFileBytes = 1 << 20

// readCertificates reads every CERTIFICATE block of a PEM file.
func readCertificates(path string) ([]*x509.Certificate, error) {
	data, err := yamlfile.Read(path, yamlfile.Limits{MaxBytes: maxKeyFileBytes})
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, cert)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no PEM CERTIFICATE block", path)
	}
	return out, nil
}

// WriteFile writes f as YAML to path (mode 0644; the file holds no secret
// unless an entry's Secret is a literal, in which case it is written 0600).
func WriteFile(path string, f File) error {
	data, err := yaml.MarshalWithOptions(f, yaml.IndentSequence(true))
	if err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	mode := os.FileMode(0o644)
	for _, e := range f.Clients {
		if e.Secret != "" && !envRef.MatchString(e.Secret) {
			mode = 0o600
		}
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	return os.Chmod(path, mode)
}
