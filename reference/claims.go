package reference

// claims are the registered claims the pipeline reads. They are decoded once
// by parseClaims, which refuses duplicate member names (RFC 7519 §4: a parser
// must reject them or keep the last; rejecting is the safe choice). Other
// claims are ignored (RFC 7519 §4).
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
	set  bool
	kind ndKind
	frac bool
	v    float64
}

// audience is RFC 7519 §4.1.3 aud: a string or an array of strings.
type audience struct {
	vals []string
	bad  string // why aud is not a string or an array of strings
}
