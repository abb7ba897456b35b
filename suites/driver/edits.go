package driver

import (
	"encoding/json"
	"net/http"
	"sort"

	"github.com/jwtharness/jwtharness/fixtures"
)

// RequestEdit is one named change to a flow's rendered token request that
// is not a change to the assertion (the HTTP method, where the parameters
// go, the content type, a repeated parameter). Its name is the catalog
// case that sends it; conform and token --case both apply it.
type RequestEdit struct {
	Name        string
	Description string
	Apply       func(r *Request, flow fixtures.Flow) error
}

var requestEdits = map[string]RequestEdit{}

func registerEdit(name, desc string, apply func(*Request, fixtures.Flow) error) {
	requestEdits[name] = RequestEdit{Name: name, Description: desc, Apply: apply}
}

// LookupRequestEdit finds a request edit by name.
func LookupRequestEdit(name string) (RequestEdit, bool) {
	e, ok := requestEdits[name]
	return e, ok
}

// RequestEdits returns every request edit, sorted by name.
func RequestEdits() []RequestEdit {
	out := make([]RequestEdit, 0, len(requestEdits))
	for _, e := range requestEdits {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func del(names ...string) func(*Request, fixtures.Flow) error {
	return func(r *Request, _ fixtures.Flow) error {
		for _, n := range names {
			r.Del(n)
		}
		return nil
	}
}

func set(name, value string) func(*Request, fixtures.Flow) error {
	return func(r *Request, _ fixtures.Flow) error {
		r.Set(name, value)
		return nil
	}
}

// AssertionParam is the form parameter that carries flow's assertion.
func AssertionParam(flow fixtures.Flow) string {
	if flow.ClientAuth() {
		return "client_assertion"
	}
	return "assertion"
}

func init() {
	registerEdit("req-method-get", "GET with every parameter in the URL query", func(r *Request, _ fixtures.Flow) error {
		r.Method, r.Query, r.Params = http.MethodGet, append(r.Query, r.Params...), nil
		return nil
	})
	registerEdit("req-params-in-query", "POST with every parameter in the URL query and an empty form", func(r *Request, _ fixtures.Flow) error {
		r.Query, r.Params = append(r.Query, r.Params...), nil
		return nil
	})
	registerEdit("req-content-type-json", "the parameters as a JSON object (application/json)", func(r *Request, _ fixtures.Flow) error {
		m := map[string]string{}
		for _, p := range r.Params {
			m[p.Name] = p.Value
		}
		b, err := json.Marshal(m)
		r.Body, r.ContentType = b, "application/json"
		return err
	})
	registerEdit("req-param-repeated", "the assertion parameter sent twice, the valid one first", func(r *Request, flow fixtures.Flow) error {
		r.Add(AssertionParam(flow), "x.y.z")
		return nil
	})
	registerEdit("req-content-type-charset", `Content-Type "application/x-www-form-urlencoded; charset=UTF-8"`, func(r *Request, _ fixtures.Flow) error {
		if r.Header == nil {
			r.Header = http.Header{}
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
		return nil
	})
	registerEdit("req-unknown-param-ignored", "two unrecognized parameters added (foo, resource_hint)", func(r *Request, _ fixtures.Flow) error {
		r.Add("foo", "bar").Add("resource_hint", "x")
		return nil
	})
	registerEdit("req-grant-type-missing", "no grant_type", del("grant_type"))
	registerEdit("req-grant-type-unsupported", "grant_type = urn:example:not-a-grant", func(r *Request, _ fixtures.Flow) error {
		r.Set("grant_type", "urn:example:not-a-grant")
		return nil
	})
	registerEdit("req-assertion-missing", "no assertion parameter", del("assertion"))
	registerEdit("req-assertion-empty", "assertion parameter empty", set("assertion", ""))
	registerEdit("req-param-repeated-reversed", "the assertion parameter sent twice, garbage first, both first in the form", func(r *Request, flow fixtures.Flow) error {
		name := AssertionParam(flow)
		valid := r.Get(name)
		r.Del(name)
		r.Params = append([]Param{{Name: name, Value: "x.y.z"}, {Name: name, Value: valid}}, r.Params...)
		return nil
	})
	registerEdit("ca-assertion-type-missing", "no client_assertion_type", del("client_assertion_type"))
	registerEdit("ca-assertion-type-wrong", "client_assertion_type = the SAML 2.0 bearer type", set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"))
	registerEdit("ca-assertion-missing", "no client_assertion", del("client_assertion"))
	registerEdit("ca-assertion-empty", "client_assertion empty", set("client_assertion", ""))
	registerEdit("ca-no-client-auth", "neither client_assertion nor client_assertion_type (client_id only)", del("client_assertion", "client_assertion_type"))
	registerEdit("ca-two-mechanisms-secret", "client_secret added beside the client assertion", func(r *Request, _ fixtures.Flow) error {
		r.Add("client_secret", "not-the-secret")
		return nil
	})
	registerEdit("req-grant-type-repeated", "grant_type sent twice (same value)", func(r *Request, _ fixtures.Flow) error {
		r.Add("grant_type", r.Get("grant_type"))
		return nil
	})
}
