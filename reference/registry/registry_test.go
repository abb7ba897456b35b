package registry

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

func writeCert(t *testing.T, dir, name, cn string) *x509.Certificate {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pem.Encode(f, &pem.Block{Type: "CERTIFICATE", Bytes: der}); err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

func TestParse(t *testing.T) {
	dir := t.TempDir()
	writeCert(t, dir, "ec.crt", "client-ec")
	writeCert(t, dir, "ec-next.crt", "client-ec")
	writeCert(t, dir, "ec-next.crt", "client-ec") // two blocks in one file
	secret := strings.Repeat("s", 40)
	if err := os.WriteFile(filepath.Join(dir, "secret.txt"), []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("JWTH_TEST_SECRET", strings.Repeat("e", 64))
	data := `
clients:
  - client_id: client-ec
    methods: [jwt_bearer, private_key_jwt]
    algorithms: [ES256]
    certificates: [ec.crt, ec-next.crt]
    subjects: [alice]
  - client_id: client-secret
    methods: [client_secret_jwt]
    algorithms: [HS256]
    secret_file: secret.txt
  - client_id: client-env
    methods: [client_secret_jwt]
    algorithms: [HS512]
    secret: "${JWTH_TEST_SECRET}"
  - client_id: client-restricted
    methods: []
    algorithms: [ES256]
    certificates: [ec.crt]
    disabled: true
`
	r, err := Parse([]byte(data), dir)
	if err != nil {
		t.Fatal(err)
	}
	ec, ok := r.Lookup("client-ec")
	if !ok || len(ec.Certificates) != 3 || !ec.Allows(MethodJWTBearer) || !ec.AllowsAlg(jose.ES256) || !ec.AllowsSubject("alice") || ec.AllowsSubject("bob") {
		t.Fatalf("client-ec: %+v", ec)
	}
	if s, _ := r.Lookup("client-secret"); string(s.Secret) != secret {
		t.Errorf("secret_file: got %q", s.Secret)
	}
	if s, _ := r.Lookup("client-env"); len(s.Secret) != 64 {
		t.Errorf("env secret: got %d bytes", len(s.Secret))
	}
	if _, ok := r.Lookup("CLIENT-EC"); ok {
		t.Error("lookup must be exact")
	}
	if c, _ := r.Lookup("client-restricted"); !c.Disabled || len(c.Methods) != 0 {
		t.Errorf("client-restricted: %+v", c)
	}
	if n := len(r.Clients()); n != 4 {
		t.Errorf("Clients: %d", n)
	}
}

func TestParseErrors(t *testing.T) {
	dir := t.TempDir()
	writeCert(t, dir, "ec.crt", "c")
	cases := []struct{ name, yaml, want string }{
		{"short secret", `{clients: [{client_id: c1, methods: [client_secret_jwt], algorithms: [HS256], secret: short}]}`, `client "c1": secret: 5 bytes is too short`},
		{"HS512 secret too short", `{clients: [{client_id: c1, methods: [client_secret_jwt], algorithms: [HS512], secret: "` + strings.Repeat("x", 40) + `"}]}`, `too short for HS512`},
		{"unknown method", `{clients: [{client_id: c2, methods: [client_secret_basic], algorithms: [ES256], certificates: [ec.crt]}]}`, `client "c2": methods: unknown method "client_secret_basic"`},
		{"unknown alg", `{clients: [{client_id: c3, methods: [private_key_jwt], algorithms: [none], certificates: [ec.crt]}]}`, `client "c3": algorithms: unknown or unsupported algorithm "none"`},
		{"unknown key", `{clients: [{client_id: c4, methods: [private_key_jwt], algorithms: [ES256], certificates: [ec.crt], colour: red}]}`, `colour`},
		{"missing cert file", `{clients: [{client_id: c5, methods: [private_key_jwt], algorithms: [ES256], certificates: [nope.crt]}]}`, `client "c5": certificates:`},
		{"unset env", `{clients: [{client_id: c6, methods: [client_secret_jwt], algorithms: [HS256], secret: "${JWTH_SURELY_UNSET}"}]}`, `client "c6": secret: environment variable JWTH_SURELY_UNSET is not set`},
		{"pk without certs", `{clients: [{client_id: c7, methods: [private_key_jwt], algorithms: [HS256], secret: "` + strings.Repeat("x", 40) + `"}]}`, `client "c7": methods: private_key_jwt needs certificates`},
		{"duplicate id", `{clients: [{client_id: c8, methods: [], algorithms: [ES256], certificates: [ec.crt]}, {client_id: c8, methods: [], algorithms: [ES256], certificates: [ec.crt]}]}`, `client "c8": client_id registered twice`},
		{"no clients", `{clients: []}`, `no clients`},
		{"alg does not fit the certificate", `{clients: [{client_id: c9, methods: [private_key_jwt], algorithms: [RS256], certificates: [ec.crt]}]}`, `client "c9": algorithms: RS256 does not fit`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.yaml), dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestWriteFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	writeCert(t, dir, "ec.crt", "c")
	f := File{Clients: []ClientEntry{
		{ClientID: "client-ec", Methods: []Method{MethodPrivateKeyJWT}, Algorithms: []string{"ES256"}, Certificates: []string{"ec.crt"}},
		{ClientID: "client-hs", Methods: []Method{MethodClientSecretJWT}, Algorithms: []string{"HS256"}, Secret: strings.Repeat("z", 32)},
	}}
	p := filepath.Join(dir, "registry.yaml")
	if err := WriteFile(p, f); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Errorf("a registry holding a literal secret must be 0600, got %v", st.Mode().Perm())
	}
	r, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Lookup("client-hs"); !ok {
		t.Fatal("client-hs lost")
	}
}
