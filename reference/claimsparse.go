package reference

import (
	"errors"
	"math"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// parseClaims decodes a JWT claims set (b must not be modified afterwards:
// the strings in c alias it) (RFC 7519 §7.2 step 10) in one pass
// without reflection. It accepts exactly the JSON grammar of RFC 8259 with a
// top-level object, refuses duplicate member names (compared after
// unescaping, so "\u0061ud" duplicates "aud"), invalid UTF-8 and nesting
// deeper than maxDepth, and reads the registered claims into c. Unknown
// claims are validated and skipped (RFC 7519 §4: ignored). The options in
// pf are all off on a correct server; flaws turn them on (flaw_seams.go).
func parseClaims(b []byte, c *claims, pf parseOptions) error {
	if !pf.utf8Unchecked && !utf8.Valid(b) {
		return errors.New("the claims are not valid UTF-8")
	}
	p := jparser{b: b, pf: pf}
	p.ws()
	if !p.eat('{') {
		return errors.New("the claims are not a JSON object")
	}
	var seen [12]string
	keys := seen[:0]
	p.ws()
	if p.eat('}') {
		return p.end()
	}
	for {
		p.ws()
		key, err := p.str()
		if err != nil {
			return err
		}
		p.ws()
		if !p.eat(':') {
			return p.errf("':' expected")
		}
		p.ws()
		dup := false
		for _, k := range keys {
			if k == key {
				dup = true
				break
			}
		}
		if dup && !pf.firstWins {
			return errors.New("duplicate claim " + strconv.Quote(key))
		}
		keys = append(keys, key)
		if dup {
			err = p.skip(0)
		} else {
			err = p.claim(key, c)
		}
		if err != nil {
			return err
		}
		p.ws()
		if p.eat(',') {
			continue
		}
		if p.eat('}') {
			return p.end()
		}
		return p.errf("',' or '}' expected")
	}
}

// parseOptions loosen or tighten the claims parser; all are off on a
// correct server, and each is turned on by one flaw's override of the
// "claims" step (flaw_seams.go).
type parseOptions struct {
	firstWins      bool // duplicate claim names: the first wins
	rejectExtra    bool // claims other than the registered ones refused
	utf8Unchecked  bool // invalid UTF-8 accepted
	unbounded      bool // no nesting limit
	coerce         bool // a number in iss, sub or jti taken as its decimal string
	issNumber      bool // a number in iss taken as its decimal string
	lenientDates   bool // a NumericDate as a JSON string holding a number
	dateTimeDates  bool // a NumericDate as a JSON string holding an RFC 3339 date-time
	audNonString   bool // non-string aud array members skipped, not refused
	audArrayBad    bool // any aud array refused
	audObjectValue bool // an aud object's string member values taken as aud
}

const maxDepth = 64

// strStop marks the bytes that end the fast scan of a JSON string: the
// closing quote, a backslash and the control characters.
var strStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

type jparser struct {
	b  []byte
	i  int
	pf parseOptions
}

func (p *jparser) errf(msg string) error {
	return errors.New("invalid JSON at offset " + strconv.Itoa(p.i) + ": " + msg)
}

func (p *jparser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jparser) eat(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *jparser) end() error {
	p.ws()
	if p.i != len(p.b) {
		return p.errf("data after the claims object")
	}
	return nil
}

func (p *jparser) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

// claim reads one member value into c (registered claims) or skips it.
func (p *jparser) claim(key string, c *claims) error {
	switch key {
	case "iss":
		return p.stringClaim(&c.Iss, key)
	case "sub":
		return p.stringClaim(&c.Sub, key)
	case "jti":
		return p.stringClaim(&c.JTI, key)
	case "aud":
		return p.aud(&c.Aud)
	case "exp":
		return p.date(&c.Exp)
	case "nbf":
		return p.date(&c.Nbf)
	case "iat":
		return p.date(&c.Iat)
	}
	if p.pf.rejectExtra {
		return errors.New("unexpected claim " + strconv.Quote(key))
	}
	return p.skip(0)
}

func (p *jparser) stringClaim(dst *string, name string) error {
	switch p.peek() {
	case '"':
		s, err := p.str()
		*dst = s
		return err
	case 'n':
		return p.lit("null")
	}
	if c := p.peek(); (p.pf.coerce || p.pf.issNumber && name == "iss") && (c == '-' || (c >= '0' && c <= '9')) {
		start := p.i
		err := p.number()
		*dst = string(p.b[start:p.i])
		return err
	}
	return errors.New(name + " must be a string")
}

func (p *jparser) aud(a *audience) error {
	switch p.peek() {
	case '"':
		s, err := p.str()
		if s != "" {
			a.vals = append(a.vals[:0], s)
		}
		return err
	case 'n':
		return p.lit("null")
	case '[':
		if p.pf.audArrayBad {
			a.bad = "an array"
		}
		p.i++
		p.ws()
		if p.eat(']') {
			return nil
		}
		for {
			p.ws()
			if p.peek() == '"' {
				s, err := p.str()
				if err != nil {
					return err
				}
				a.vals = append(a.vals, s)
			} else {
				if !p.pf.audNonString {
					a.bad = "an array member is not a string"
				}
				if err := p.skip(1); err != nil {
					return err
				}
			}
			p.ws()
			if p.eat(',') {
				continue
			}
			if p.eat(']') {
				return nil
			}
			return p.errf("',' or ']' expected")
		}
	}
	if p.peek() == '{' && p.pf.audObjectValue {
		return p.flattenObject(a)
	}
	a.bad = "neither a string nor an array"
	return p.skip(0)
}

func (p *jparser) date(n *numericDate) error {
	n.set = true
	n.kind = ndNotNumber
	c := p.peek()
	switch {
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.i
		if err := p.number(); err != nil {
			return err
		}
		n.setFloat(p.b[start:p.i])
		return nil
	case c == '"':
		s, err := p.str()
		if err != nil {
			return err
		}
		n.kind = ndString
		if p.pf.lenientDates {
			q := jparser{b: []byte(s)}
			if q.number() == nil && q.i == len(q.b) {
				n.setFloat(q.b)
			}
		}
		if p.pf.dateTimeDates {
			if t, err := time.Parse(time.RFC3339, s); err == nil {
				n.kind, n.v, n.frac = ndOK, float64(t.Unix()), false
			}
		}
		return nil
	}
	return p.skip(0)
}

func (n *numericDate) setFloat(num []byte) {
	if len(num) > 0 && len(num) <= 15 {
		// Fast path: a plain non-negative integer is exact in float64.
		var x int64
		ok := true
		for _, c := range num {
			if c < '0' || c > '9' {
				ok = false
				break
			}
			x = x*10 + int64(c-'0')
		}
		if ok {
			n.kind, n.v, n.frac = ndOK, float64(x), false
			return
		}
	}
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		n.kind = ndNonFinite
		return
	}
	n.kind, n.v, n.frac = ndOK, f, f != math.Trunc(f)
}

func (p *jparser) lit(l string) error {
	if len(p.b)-p.i >= len(l) && string(p.b[p.i:p.i+len(l)]) == l {
		p.i += len(l)
		return nil
	}
	return p.errf("invalid literal")
}

// number validates an RFC 8259 number.
func (p *jparser) number() error {
	p.eat('-')
	switch c := p.peek(); {
	case c == '0':
		p.i++
	case c >= '1' && c <= '9':
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
		}
	default:
		return p.errf("invalid number")
	}
	if p.eat('.') {
		if !p.digits() {
			return p.errf("invalid number")
		}
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.i++
		if c := p.peek(); c == '+' || c == '-' {
			p.i++
		}
		if !p.digits() {
			return p.errf("invalid number")
		}
	}
	return nil
}

func (p *jparser) digits() bool {
	s := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	return p.i > s
}

// str reads a JSON string and returns it unescaped.
func (p *jparser) str() (string, error) {
	if !p.eat('"') {
		return "", p.errf("string expected")
	}
	start := p.i
	for p.i < len(p.b) && !strStop[p.b[p.i]] {
		p.i++
	}
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			// The string aliases the payload, which nothing mutates after
			// parsing (go-jose hands it out read-only): no copy on the hot path.
			s := ""
			if p.i > start {
				s = unsafe.String(&p.b[start], p.i-start)
			}
			p.i++
			return s, nil
		case c == '\\':
			return p.strSlow(start)
		case c < 0x20:
			return "", p.errf("control character in string")
		}
		p.i++
	}
	return "", p.errf("unterminated string")
}

func (p *jparser) strSlow(start int) (string, error) {
	buf := append([]byte(nil), p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return string(buf), nil
		case c < 0x20:
			return "", p.errf("control character in string")
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		p.i++
		if p.i >= len(p.b) {
			break
		}
		e := p.b[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.errf("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				save := p.i
				if p.eat('\\') && p.eat('u') {
					if r2, ok := p.hex4(); ok {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							buf = utf8.AppendRune(buf, d)
							continue
						}
					}
				}
				p.i = save
				r = utf8.RuneError
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", p.errf("invalid escape")
		}
	}
	return "", p.errf("unterminated string")
}

func (p *jparser) hex4() (rune, bool) {
	if len(p.b)-p.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.b[p.i : p.i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	p.i += 4
	return r, true
}

// skip validates and skips one value.
func (p *jparser) skip(depth int) error {
	if depth > maxDepth && !p.pf.unbounded {
		return p.errf("nesting deeper than " + strconv.Itoa(maxDepth))
	}
	switch c := p.peek(); {
	case c == '"':
		_, err := p.str()
		return err
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return p.lit("true")
	case c == 'f':
		return p.lit("false")
	case c == 'n':
		return p.lit("null")
	case c == '[':
		p.i++
		p.ws()
		if p.eat(']') {
			return nil
		}
		for {
			p.ws()
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			p.ws()
			if p.eat(',') {
				continue
			}
			if p.eat(']') {
				return nil
			}
			return p.errf("',' or ']' expected")
		}
	case c == '{':
		p.i++
		p.ws()
		if p.eat('}') {
			return nil
		}
		for {
			p.ws()
			if _, err := p.str(); err != nil {
				return err
			}
			p.ws()
			if !p.eat(':') {
				return p.errf("':' expected")
			}
			p.ws()
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			p.ws()
			if p.eat(',') {
				continue
			}
			if p.eat('}') {
				return nil
			}
			return p.errf("',' or '}' expected")
		}
	}
	return p.errf("value expected")
}

// flattenObject reads an aud JSON object and takes its string member values
// as audience values (flaw aud-object-flattened).
func (p *jparser) flattenObject(a *audience) error {
	p.i++
	p.ws()
	if p.eat('}') {
		return nil
	}
	for {
		p.ws()
		if _, err := p.str(); err != nil {
			return err
		}
		p.ws()
		if !p.eat(':') {
			return p.errf("':' expected")
		}
		p.ws()
		if p.peek() == '"' {
			s, err := p.str()
			if err != nil {
				return err
			}
			a.vals = append(a.vals, s)
		} else if err := p.skip(1); err != nil {
			return err
		}
		p.ws()
		if p.eat(',') {
			continue
		}
		if p.eat('}') {
			return nil
		}
		return p.errf("',' or '}' expected")
	}
}
