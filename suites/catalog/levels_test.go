package catalog

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"regexp"
	"strings"
	"testing"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
)

var (
	mustWords     = regexp.MustCompile(`\b(MUST|REQUIRED|SHALL)\b`)
	shouldWords   = regexp.MustCompile(`\b(SHOULD|RECOMMENDED)\b`)
	mayWords      = regexp.MustCompile(`\bMAY\b`)
	optionalWords = regexp.MustCompile(`\bOPTIONAL\b`)
)

// TestLevelsHonest keeps every case's level tied to the words it quotes:
// a MUST case quotes MUST, MUST NOT, REQUIRED or SHALL (a positive case
// may instead quote what it omits or varies as OPTIONAL: RFC 2119 §5 makes
// interoperating with either choice a MUST); a SHOULD case quotes SHOULD
// or RECOMMENDED; a MAY case quotes MAY; a BCP case quotes a MUST or
// SHOULD of RFC 8725; a case whose rule comes from no RFC keyword is a
// POLICY case and names the target-file declaration that makes it gate.
func TestLevelsHonest(t *testing.T) {
	tg := &target.Target{Flows: map[fixtures.Flow]*target.FlowConfig{}}
	for _, c := range All() {
		q := c.Clause.Quote
		switch c.Level {
		case MUST:
			if !mustWords.MatchString(q) && !(!c.Negative && optionalWords.MatchString(q)) {
				t.Errorf("%s: MUST case whose quote (%s) holds no MUST, MUST NOT, REQUIRED or SHALL: %q", c.ID, c.Clause.ID(), q)
			}
		case SHOULD:
			if !shouldWords.MatchString(q) {
				t.Errorf("%s: SHOULD case whose quote (%s) holds no SHOULD or RECOMMENDED: %q", c.ID, c.Clause.ID(), q)
			}
		case MAY:
			if !mayWords.MatchString(q) {
				t.Errorf("%s: MAY case whose quote (%s) holds no MAY: %q", c.ID, c.Clause.ID(), q)
			}
		case BCP:
			if c.Clause.Doc != "RFC8725" || !(mustWords.MatchString(q) || shouldWords.MatchString(q)) {
				t.Errorf("%s: BCP case must quote a MUST or SHOULD of RFC 8725, quotes %s %q", c.ID, c.Clause.ID(), q)
			}
		case POLICY:
			if c.Policy == "" {
				t.Errorf("%s: POLICY case without Policy (the target-file key that makes it gate)", c.ID)
			}
		default:
			t.Errorf("%s: unknown level %q", c.ID, c.Level)
		}
		if c.Policy != "" {
			if st := policyOf(tg, fixtures.FlowJWTBearer, c.Policy); st.what == "unknown policy "+string(c.Policy) {
				t.Errorf("%s: unknown policy key %q", c.ID, c.Policy)
			}
		}
		if c.Clause.Doc == "vendor" {
			t.Errorf("%s: cites a vendor text; a vendor rule is a declared policy (Level POLICY, Clause Doc \"policy\")", c.ID)
		}
		if c.Clause.Doc == "policy" && c.Level != POLICY {
			t.Errorf("%s: quotes a policy but is level %s", c.ID, c.Level)
		}
	}
}

// TestFindingsDefined: every finding a case can be about is defined, and
// every finding with a MUST level quotes a MUST.
func TestFindingsDefined(t *testing.T) {
	for id, d := range findingDefs {
		if d.level == MUST && !mustWords.MatchString(d.clause.Quote) {
			t.Errorf("finding %s: MUST level, quote holds no MUST/REQUIRED/SHALL: %q", id, d.clause.Quote)
		}
		if _, ok := FindingDef(id); !ok {
			t.Errorf("finding %s: FindingDef fails", id)
		}
	}
	for _, c := range All() {
		for _, a := range append(append([]string(nil), c.About...), flawAbout[c.Flaw]...) {
			if _, ok := findingDefs[a]; !ok && a != errorCodeFamily {
				t.Errorf("%s: about unknown finding %q", c.ID, a)
			}
		}
	}
}

// TestCertificateCasesSkipWithoutCertificate: with keys given without a
// certificate (a bare PEM key or a JWK), the cases about certificates SKIP
// and say so.
func TestCertificateCasesSkipWithoutCertificate(t *testing.T) {
	key := &fixtures.Credential{ClientID: "c", Alg: "RS256", Key: testSigner(t)}
	tg := &target.Target{TokenEndpoint: "http://127.0.0.1:1/token", Profile: target.ProfileRFC7523,
		Flows:         map[fixtures.Flow]*target.FlowConfig{fixtures.FlowJWTBearer: {Credential: key}, fixtures.FlowPrivateKeyJWT: {Credential: key}},
		ExpiredClient: &fixtures.Credential{ClientID: "old", Alg: "RS256", Key: key.Key}, NotYetValidClient: &fixtures.Credential{ClientID: "new", Alg: "RS256", Key: key.Key}}
	env := &Env{Target: tg}
	for _, id := range []string{"key-cert-expired", "key-cert-not-yet-valid", "key-other-client-kid", "sig-hs256-pubkey"} {
		c, ok := Lookup(id)
		if !ok {
			t.Fatalf("no case %s", id)
		}
		reason, ok := c.Applicable(env, fixtures.FlowPrivateKeyJWT)
		if ok || !strings.Contains(reason, "certificate") {
			t.Errorf("%s without certificates: applicable %v, reason %q", id, ok, reason)
		}
	}
}

func testSigner(t *testing.T) crypto.Signer {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
