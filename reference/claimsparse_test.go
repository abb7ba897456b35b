package reference

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseClaims(t *testing.T) {
	cases := []struct {
		in, err string
		check   func(c *claims) bool
	}{
		{in: `{"iss":"a","sub":"b","aud":"x","exp":1.5,"nbf":2,"iat":3,"jti":"j","other":{"n":[1,2,{"x":null}]}}`,
			check: func(c *claims) bool {
				return c.Iss == "a" && c.Sub == "b" && c.Aud.vals[0] == "x" && c.Exp.v == 1.5 && c.Exp.frac && c.Nbf.v == 2 && c.JTI == "j"
			}},
		{in: ` {"aud":["x","y"]} `, check: func(c *claims) bool { return len(c.Aud.vals) == 2 }},
		{in: `{"\u0069ss":"\u00e9\ud83d\ude00"}`, check: func(c *claims) bool { return c.Iss == "é😀" }},
		{in: `{"aud":"x","\u0061ud":"y"}`, err: "duplicate"},
		{in: `{"iss":"a","iss":"a"}`, err: "duplicate"},
		{in: `{"iss":1}`, err: "iss must be a string"},
		{in: `{"exp":"1"}`, check: func(c *claims) bool { return c.Exp.kind == ndString }},
		{in: `{"exp":1e999}`, check: func(c *claims) bool { return c.Exp.kind == ndNonFinite }},
		{in: `{"exp":true}`, check: func(c *claims) bool { return c.Exp.kind == ndNotNumber }},
		{in: `{"aud":["x",1]}`, check: func(c *claims) bool { return c.Aud.bad != "" }},
		{in: `{"aud":{"a":"x"}}`, check: func(c *claims) bool { return c.Aud.bad != "" }},
		{in: `{"iss":"a"} x`, err: "data after"},
		{in: `{"iss":"a",}`, err: "string expected"},
		{in: `{"exp":01}`, err: "','"},
		{in: `{"exp":-}`, err: "invalid number"},
		{in: `{"x":"a` + "\x01" + `"}`, err: "control character"},
		{in: "{\"sub\":\"\xc3\x28\"}", err: "UTF-8"},
		{in: "\xef\xbb\xbf{}", err: "not a JSON object"},
		{in: `[]`, err: "not a JSON object"},
		{in: `null`, err: "not a JSON object"},
		{in: `{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, err: "nesting"},
		{in: `{"x":"\q"}`, err: "invalid escape"},
	}
	for _, c := range cases {
		var cl claims
		err := parseClaims([]byte(c.in), &cl, parseOptions{})
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.in, err, c.err)
			}
		case err != nil:
			t.Errorf("%s: %v", c.in, err)
		case !c.check(&cl):
			t.Errorf("%s: decoded %+v", c.in, cl)
		}
	}
	var cl claims
	if err := parseClaims([]byte(`{"aud":"good","aud":"evil"}`), &cl, parseOptions{firstWins: true}); err != nil || cl.Aud.vals[0] != "good" {
		t.Errorf("first wins: %v %v", err, cl.Aud.vals)
	}
}

// FuzzParseClaims: whatever parseClaims accepts is valid JSON (encoding/json
// agrees) and its string claims equal what encoding/json reads.
func FuzzParseClaims(f *testing.F) {
	for _, s := range []string{`{"iss":"a","aud":["b"],"exp":1}`, `{"\u0061":"\ud800"}`, `{}`, `{"x":[{"y":-0.5e+3}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var c claims
		if parseClaims(b, &c, parseOptions{}) != nil {
			return
		}
		if !json.Valid(b) {
			t.Fatalf("accepted invalid JSON %q", b)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("accepted %q, encoding/json: %v", b, err)
		}
		for k, got := range map[string]string{"iss": c.Iss, "sub": c.Sub, "jti": c.JTI} {
			want, _ := m[k].(string)
			if got != want {
				t.Fatalf("%s: got %q, encoding/json %q (input %q)", k, got, want, b)
			}
		}
	})
}
