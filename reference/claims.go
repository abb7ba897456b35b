package reference

import (
	"math"
	"strconv"

	josejson "github.com/go-jose/go-jose/v4/json"
)

// claims are the registered claims the pipeline reads. They are decoded once
// with go-jose's JSON decoder, which refuses duplicate member names (RFC 7519
// §4: a parser must reject them or keep the last; rejecting is the safe
// choice). Other claims are ignored (RFC 7519 §4).
type claims struct {
	Iss string      `json:"iss"`
	Sub string      `json:"sub"`
	Aud audience    `json:"aud"`
	Exp numericDate `json:"exp"`
	Nbf numericDate `json:"nbf"`
	Iat numericDate `json:"iat"`
	JTI string      `json:"jti"`
}

type ndKind uint8

const (
	ndOK ndKind = iota
	ndString
	ndNotNumber
	ndNonFinite
)

// numericDate is RFC 7519 §2 NumericDate: a JSON number of seconds, possibly
// fractional. It is kept as float64 seconds and compared as such, so huge
// values (1e300, 9.3e18) stay huge instead of wrapping in int64 arithmetic.
type numericDate struct {
	set     bool
	kind    ndKind
	frac    bool
	v       float64
	lenient bool // flaw numericdate-lenient: a JSON string holding a number is accepted
}

func (n *numericDate) UnmarshalJSON(b []byte) error {
	n.set = true
	n.kind = ndNotNumber
	if len(b) == 0 {
		return nil
	}
	s := b
	if b[0] == '"' {
		if !n.lenient {
			n.kind = ndString
			return nil
		}
		var str string
		if err := josejson.Unmarshal(b, &str); err != nil {
			return nil
		}
		s = []byte(str)
		if len(s) == 0 || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) {
			n.kind = ndString
			return nil
		}
	} else if !(b[0] == '-' || (b[0] >= '0' && b[0] <= '9')) {
		return nil // true, null, [], {}
	}
	f, err := strconv.ParseFloat(string(s), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		if err != nil && n.lenient && b[0] == '"' {
			n.kind = ndString
			return nil
		}
		n.kind = ndNonFinite
		return nil
	}
	n.kind = ndOK
	n.v = f
	n.frac = f != math.Trunc(f)
	return nil
}

// audience is RFC 7519 §4.1.3 aud: a string or an array of strings.
type audience struct {
	vals        []string
	bad         string
	nonStringOK bool // flaw aud-non-string-ok
}

func (a *audience) UnmarshalJSON(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		var s string
		if err := josejson.Unmarshal(b, &s); err != nil {
			return err
		}
		if s != "" {
			a.vals = []string{s}
		}
	case '[':
		var xs []any
		if err := josejson.Unmarshal(b, &xs); err != nil {
			return err
		}
		for _, x := range xs {
			s, ok := x.(string)
			if !ok {
				if !a.nonStringOK {
					a.bad = "an array member is not a string"
				}
				continue
			}
			a.vals = append(a.vals, s)
		}
	case 'n':
		// null: treated as absent
	default:
		a.bad = "got " + string(b[:1]) + "..."
	}
	return nil
}
