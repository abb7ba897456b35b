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
	registerEdit("req-grant-type-repeated", "grant_type sent twice (same value)", func(r *Request, _ fixtures.Flow) error {
		r.Add("grant_type", r.Get("grant_type"))
		return nil
	})
}
