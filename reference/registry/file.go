// Package registry is the reference server's client application registry:
// client_id → registered X.509 certificates (several, for rotation) or a
// client secret, the flows and algorithms the client may use, and the
// subjects it may assert in a bearer grant.
package registry

// Method is a flow a client may use; the values match fixtures.Flow
// (registry must not import fixtures: fixtures/fixtureset imports registry).
type Method string

const (
	MethodJWTBearer       Method = "jwt_bearer"
	MethodPrivateKeyJWT   Method = "private_key_jwt"
	MethodClientSecretJWT Method = "client_secret_jwt"
)

// File is the YAML shape of a registry file.
type File struct {
	Clients []ClientEntry `yaml:"clients"`
}

// ClientEntry is one client in a registry file. Paths are relative to the file.
type ClientEntry struct {
	ClientID     string   `yaml:"client_id"`
	Methods      []Method `yaml:"methods"`
	Algorithms   []string `yaml:"algorithms,omitempty"`
	Certificates []string `yaml:"certificates,omitempty"`
	Secret       string   `yaml:"secret,omitempty"`      // may be "${ENV}"
	SecretFile   string   `yaml:"secret_file,omitempty"` // relative path
	Subjects     []string `yaml:"subjects,omitempty"`
	Disabled     bool     `yaml:"disabled,omitempty"`
}
