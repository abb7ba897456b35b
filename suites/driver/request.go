package driver

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/fixtures/validreq"
)

// Grant types and assertion types of RFC 7523 §2.1 and §2.2 and RFC 6749 §4.4.
const (
	GrantTypeJWTBearer         = validreq.GrantTypeJWTBearer
	GrantTypeClientCredentials = validreq.GrantTypeClientCredentials
	ClientAssertionTypeJWT     = validreq.ClientAssertionTypeJWT
	FormContentType            = "application/x-www-form-urlencoded"
)

// Param is one form or query parameter. A request keeps its parameters in
// order and may repeat a name, so that cases can send exactly what they mean.
type Param struct {
	Name, Value string
}

// Form turns name, value, name, value, ... into parameters. A trailing name
// without a value gets the empty value.
func Form(nameValues ...string) []Param {
	out := make([]Param, 0, (len(nameValues)+1)/2)
	for i := 0; i < len(nameValues); i += 2 {
		p := Param{Name: nameValues[i]}
		if i+1 < len(nameValues) {
			p.Value = nameValues[i+1]
		}
		out = append(out, p)
	}
	return out
}

// Request is one token request as a case means to send it.
type Request struct {
	// Method is the HTTP method; "" means POST.
	Method string
	// URL overrides the target's token endpoint when set.
	URL string
	// Params is the application/x-www-form-urlencoded body, in order;
	// repeated names are sent repeatedly.
	Params []Param
	// Query is appended to the URL's query string, in order.
	Query []Param
	// Body, when non-nil, is sent as is with ContentType and Params is ignored.
	Body        []byte
	ContentType string
	// Header is added to the request (Content-Type here wins over ContentType).
	Header http.Header
	// Secrets are values to redact wherever they appear in the transcript.
	Secrets []string
}

// Clone returns a deep copy of r, safe to mutate.
func (r *Request) Clone() *Request {
	if r == nil {
		return nil
	}
	c := *r
	c.Params = append([]Param(nil), r.Params...)
	c.Query = append([]Param(nil), r.Query...)
	if r.Body != nil {
		c.Body = append([]byte(nil), r.Body...)
	}
	if r.Header != nil {
		c.Header = r.Header.Clone()
	}
	c.Secrets = append([]string(nil), r.Secrets...)
	return &c
}

// Get returns the first value of the form parameter name.
func (r *Request) Get(name string) string {
	for _, p := range r.Params {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// Has reports whether the form has a parameter name.
func (r *Request) Has(name string) bool {
	for _, p := range r.Params {
		if p.Name == name {
			return true
		}
	}
	return false
}

// Set replaces the first parameter name with value (removing the others with
// that name), or appends it when absent. It returns r for chaining.
func (r *Request) Set(name, value string) *Request {
	out := r.Params[:0:0]
	done := false
	for _, p := range r.Params {
		if p.Name != name {
			out = append(out, p)
			continue
		}
		if !done {
			out = append(out, Param{Name: name, Value: value})
			done = true
		}
	}
	if !done {
		out = append(out, Param{Name: name, Value: value})
	}
	r.Params = out
	return r
}

// Add appends a parameter, even if the name is already present.
func (r *Request) Add(name, value string) *Request {
	r.Params = append(r.Params, Param{Name: name, Value: value})
	return r
}

// Del removes every parameter called name.
func (r *Request) Del(name string) *Request {
	out := r.Params[:0:0]
	for _, p := range r.Params {
		if p.Name != name {
			out = append(out, p)
		}
	}
	r.Params = out
	return r
}

// method returns the HTTP method to use.
func (r *Request) method() string {
	if r.Method == "" {
		return http.MethodPost
	}
	return r.Method
}

// EncodeParams encodes parameters in order as application/x-www-form-urlencoded.
func EncodeParams(ps []Param) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.Name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.Value))
	}
	return b.String()
}

// FlowRequest is the valid token request of a flow around assertion, as
// fixtures/validreq builds it (the one valid-request builder): the bearer
// grant of RFC 7523 §2.1 with the target's client_auth, or JWT client
// authentication of §2.2 with the client credentials grant, then the
// target's extra params. The credential is the flow's primary, or the
// alternate whose client_id the assertion's iss names exactly (so
// alternates sign valid requests too). The grant's client assertion, if
// any, is minted on the wall clock.
func FlowRequest(t *target.Target, flow fixtures.Flow, assertion string) *Request {
	var cred *fixtures.Credential
	if t != nil && t.Flows[flow] != nil {
		fc := t.Flows[flow]
		cred = fc.Credential
		if id := clientIDFor(t, flow, fc.Credential, assertion); fc.Credential != nil && id != fc.Credential.ClientID {
			for _, a := range fc.Alternates {
				if a != nil && a.ClientID == id {
					cred = a
					break
				}
			}
		}
	}
	vr, err := validreq.BuildFor(t, flow, "", cred)
	if err != nil {
		// No credential: the bare flow form, without client_id.
		vr = &validreq.Request{Params: []validreq.Param{{Name: "grant_type", Value: GrantTypeJWTBearer}, {Name: "assertion", Slot: validreq.SlotAssertion}}}
		if flow.ClientAuth() {
			vr.Params = []validreq.Param{{Name: "grant_type", Value: GrantTypeClientCredentials},
				{Name: "client_assertion_type", Value: ClientAssertionTypeJWT}, {Name: "client_assertion", Slot: validreq.SlotAssertion}}
		}
	}
	x, err := vr.Fill(nil, assertion)
	if err != nil {
		x, _ = (&validreq.Request{Params: vr.Params[:2]}).Fill(nil, assertion)
	}
	r := &Request{Secrets: x.Secrets}
	if len(x.Header) > 0 {
		r.Header = x.Header
	}
	for _, p := range x.Params {
		r.Params = append(r.Params, Param{Name: p.Name, Value: p.Value})
	}
	return r
}

// clientIDFor picks the client_id of a client-authentication request: the
// flow credential (primary or alternate) whose ClientID equals the
// assertion's iss, else the primary's.
func clientIDFor(t *target.Target, flow fixtures.Flow, primary *fixtures.Credential, assertion string) string {
	id := ""
	if primary != nil {
		id = primary.ClientID
	}
	iss := issuerOf(assertion)
	if iss == "" || iss == id || t == nil || t.Flows[flow] == nil {
		return id
	}
	for _, a := range t.Flows[flow].Alternates {
		if a != nil && a.ClientID == iss {
			return iss
		}
	}
	return id
}

// issuerOf returns the iss claim of a compact JWS, or "" when it has none
// or cannot be read.
func issuerOf(compact string) string {
	parts := strings.Split(compact, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var claims struct {
		Iss any `json:"iss"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	s, _ := claims.Iss.(string)
	return s
}
