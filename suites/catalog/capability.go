package catalog

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
)

// Capability is something a case needs from the target (or from the run)
// beyond the flow itself; a case whose needs are not met is SKIPped with a
// reason naming the missing capability.
type Capability string

const (
	// CapClockControl: the endpoint's clock is the harness's ManualClock
	// (the in-process reference server), so exact time boundaries can be hit.
	CapClockControl Capability = "clock-control"
	// CapIssuer: the target file declares the AS issuer identifier.
	CapIssuer Capability = "issuer"
	// CapOtherClient: a second registered client for the flow (its
	// other_client, else the file's unless that is the flow's own client).
	CapOtherClient Capability = "other-client"
	// CapExpiredClient: a client whose registered certificate has expired.
	CapExpiredClient Capability = "expired-client"
	// CapNotYetValidClient: a client whose registered certificate is not yet valid.
	CapNotYetValidClient Capability = "not-yet-valid-client"
	// CapDisabledClient: a registered but disabled client.
	CapDisabledClient Capability = "disabled-client"
	// CapRestrictedClient: a registered client permitted no flow.
	CapRestrictedClient Capability = "restricted-client"
	// CapRotatingClient: a client registered with two keys (rotating_client).
	CapRotatingClient Capability = "rotating-client"
	// CapUnregisteredKey: a key the endpoint does not know (generated in memory when absent).
	CapUnregisteredKey Capability = "unregistered-key"
	// CapFormatURLEncoded, CapFormatXML: the format parameter values the
	// target lists (formats:); with no formats declared the cases run and
	// report what they observe.
	CapFormatURLEncoded Capability = "format-urlencoded"
	CapFormatXML        Capability = "format-xml"
	// CapForbiddenSubject: the bearer grant's flow config names a subject the
	// issuer may not assert.
	CapForbiddenSubject Capability = "forbidden-subject"
	// CapLoopbackListener: the endpoint runs on this machine's loopback, so it
	// can reach a key set the harness serves on 127.0.0.1.
	CapLoopbackListener Capability = "loopback-listener"
	// CapAsymmetric: the flow's primary credential signs with a private key
	// (RS*/PS*/ES*/EdDSA), not an HMAC secret.
	CapAsymmetric Capability = "asymmetric-key"
	// CapCertificate: the flow's primary credential carries an X.509
	// certificate (a key given as PEM + certificate, or a JWK with x5c);
	// keys given as a bare PEM key or a JWK without x5c have none.
	CapCertificate Capability = "certificate"
)

// Known reports whether n is a capability Applicable understands.
func (n Capability) Known() bool {
	switch n {
	case CapClockControl, CapIssuer, CapOtherClient, CapExpiredClient, CapNotYetValidClient, CapDisabledClient,
		CapRestrictedClient, CapRotatingClient, CapUnregisteredKey, CapFormatURLEncoded, CapFormatXML, CapForbiddenSubject,
		CapLoopbackListener, CapAsymmetric, CapCertificate:
		return true
	}
	return strings.HasPrefix(string(n), "alg:")
}

// CapAlg is the capability "the target has a credential for this flow that
// signs with alg" (Target.Credential(flow, alg) != nil).
func CapAlg(alg jose.SignatureAlgorithm) Capability { return Capability("alg:" + string(alg)) }

// Applicable reports whether the case can run against env for flow; when
// not, reason says why (the SKIP reason).
func (c Case) Applicable(env *Env, flow fixtures.Flow) (reason string, ok bool) {
	if !c.hasFlow(flow) {
		return fmt.Sprintf("case %s does not apply to flow %s", c.ID, flow), false
	}
	if env == nil || env.Target == nil {
		return "no target", false
	}
	t := env.Target
	if t.Unsupported(flow) {
		if c.ID == UnsupportedCaseID {
			return "", true
		}
		return fmt.Sprintf("the target declares flow %s unsupported: its cases collapse to the one verdict %s@%s", flow, UnsupportedCaseID, flow.Short()), false
	}
	if !t.Offers(flow) {
		return fmt.Sprintf("the target does not offer flow %s (no flows.%s in the target file)", flow, flow), false
	}
	if c.ID == UnsupportedCaseID {
		return fmt.Sprintf("the target offers flow %s (this check runs only for a flow declared unsupported: true)", flow), false
	}
	if len(c.Profiles) > 0 {
		match := false
		for _, p := range c.Profiles {
			if p == t.Profile {
				match = true
			}
		}
		if !match {
			return fmt.Sprintf("case applies to profile %s; the target declares profile %s", joinProfiles(c.Profiles), t.Profile), false
		}
	}
	for _, n := range c.Needs {
		if r, ok := capable(env, flow, n); !ok {
			return fmt.Sprintf("needs %s: %s", n, r), false
		}
	}
	if c.Policy == PolicyLifetime && !c.Negative {
		if st := policyOf(t, flow, c.Policy); st.declared && !st.holds {
			return fmt.Sprintf("the target declares %s: there is no cap to be inside of", st.what), false
		}
	}
	return "", true
}

func (c Case) hasFlow(flow fixtures.Flow) bool {
	for _, f := range c.Flows {
		if f == flow {
			return true
		}
	}
	return false
}

func joinProfiles(ps []target.Profile) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, " or ")
}

func capable(env *Env, flow fixtures.Flow, n Capability) (string, bool) {
	t := env.Target
	switch {
	case n == CapClockControl:
		if env.Clock == nil {
			return "the exact time boundary needs the endpoint's clock (in-process reference server only); this endpoint's clock cannot be controlled", false
		}
	case n == CapIssuer:
		if t.Issuer == "" {
			return "the target file declares no issuer", false
		}
	case n == CapOtherClient:
		if t.OtherClientFor(flow) == nil {
			return "the target file declares no other_client", false
		}
	case n == CapExpiredClient:
		if t.ExpiredClient == nil {
			return "the target file declares no expired_client", false
		}
		if t.ExpiredClient.Certificate == nil {
			return "expired_client has no X.509 certificate (a bare key or a JWK without x5c); this case is about certificate validity", false
		}
	case n == CapNotYetValidClient:
		if t.NotYetValidClient == nil {
			return "the target file declares no not_yet_valid_client", false
		}
		if t.NotYetValidClient.Certificate == nil {
			return "not_yet_valid_client has no X.509 certificate (a bare key or a JWK without x5c); this case is about certificate validity", false
		}
	case n == CapDisabledClient:
		if t.DisabledClient == nil {
			return "the target file declares no disabled_client", false
		}
	case n == CapRestrictedClient:
		if t.RestrictedClient == nil {
			return "the target file declares no restricted_client", false
		}
	case n == CapRotatingClient:
		if t.RotatingClient == nil || t.RotatingClientNext == nil {
			return "the target file declares no rotating_client (a client registered with two keys)", false
		}
	case n == CapUnregisteredKey:
		if t.UnregisteredKey == nil {
			return "no unregistered key is available", false
		}
	case n == CapFormatURLEncoded:
		// Without a formats: declaration the case still runs, as an
		// observation (a POLICY case: INFO, never FAIL).
		if t.Policy.FormatsDeclared && !hasFormat(t, "urlencoded") {
			return "the target declares formats without urlencoded", false
		}
	case n == CapFormatXML:
		if t.Policy.FormatsDeclared && !hasFormat(t, "xml") {
			return "the target declares formats without xml", false
		}
	case n == CapForbiddenSubject:
		if fc := t.Flows[flow]; fc == nil || fc.ForbiddenSubject == "" {
			return fmt.Sprintf("flows.%s declares no forbidden_subject", flow), false
		}
	case n == CapLoopbackListener:
		if !loopbackTarget(t) {
			return "the token endpoint is not on this machine's loopback, so it cannot reach a key set served by the harness", false
		}
	case n == CapAsymmetric:
		if fc := t.Flows[flow]; fc == nil || fc.Credential == nil || fc.Credential.Key == nil {
			return fmt.Sprintf("flows.%s has no private key", flow), false
		}
	case n == CapCertificate:
		if !t.HasCertificate(flow) {
			return fmt.Sprintf("flows.%s's key has no X.509 certificate (given as a bare PEM key or a JWK without x5c); this case is about certificates", flow), false
		}
	case strings.HasPrefix(string(n), "alg:"):
		alg := jose.SignatureAlgorithm(strings.TrimPrefix(string(n), "alg:"))
		if t.Credential(flow, alg) == nil {
			return fmt.Sprintf("flows.%s has no credential (primary or alternate) signing with %s", flow, alg), false
		}
	default:
		return "unknown capability", false
	}
	return "", true
}

func hasFormat(t *target.Target, f string) bool {
	for _, x := range t.Formats {
		if strings.EqualFold(string(x), f) {
			return true
		}
	}
	return false
}

func loopbackTarget(t *target.Target) bool {
	u, err := url.Parse(fmt.Sprint(t.TokenEndpoint))
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
