package driver

import (
	"net/http"
	"testing"

	"github.com/jwtharness/jwtharness/fixtures"
)

func TestRequestEdits(t *testing.T) {
	base := func() *Request {
		return &Request{Params: []Param{{Name: "grant_type", Value: "g"}, {Name: "assertion", Value: "a.b.c"}}}
	}
	for _, tc := range []struct {
		name  string
		check func(r *Request) bool
	}{
		{"req-method-get", func(r *Request) bool { return r.Method == http.MethodGet && len(r.Query) == 2 && len(r.Params) == 0 }},
		{"req-params-in-query", func(r *Request) bool { return r.Method == "" && len(r.Query) == 2 && len(r.Params) == 0 }},
		{"req-content-type-json", func(r *Request) bool {
			return r.ContentType == "application/json" && string(r.Body) == `{"assertion":"a.b.c","grant_type":"g"}`
		}},
		{"req-param-repeated", func(r *Request) bool {
			return len(r.Params) == 3 && r.Params[1].Value == "a.b.c" && r.Params[2].Value == "x.y.z"
		}},
		{"req-grant-type-repeated", func(r *Request) bool {
			return len(r.Params) == 3 && r.Params[2] == Param{Name: "grant_type", Value: "g"}
		}},
	} {
		e, ok := LookupRequestEdit(tc.name)
		if !ok {
			t.Errorf("%s: no such request edit", tc.name)
			continue
		}
		r := base()
		if err := e.Apply(r, fixtures.FlowJWTBearer); err != nil || !tc.check(r) {
			t.Errorf("%s: %v, request %+v", tc.name, err, r)
		}
	}
	if n := len(RequestEdits()); n < 5 {
		t.Errorf("%d request edits, want at least the 5 above", n)
	}
}
