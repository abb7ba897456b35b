package loadgen

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/url"
	"strings"

	"github.com/valyala/fastjson"
)

// ReadCap bounds how much of one response body is read and judged. A token
// or an RFC 6749 error body is a few KiB at most; a longer body is counted
// oversize (an error) and its connection closed.
const ReadCap = 64 << 10

// MaxHeaderBytes bounds the response status line and headers together.
const MaxHeaderBytes = 1 << 20

// fault is what went wrong reading one exchange, before its body could be
// judged. Both HTTP clients map their errors onto these, so they classify
// identically.
type fault uint8

const (
	faultNone        fault = iota
	faultTimeout           // no complete answer within the timeout
	faultConnection        // connect, write or read failure before an answer began
	faultTruncated         // the answer ended before its declared end
	faultOversize          // headers over MaxHeaderBytes or body over the read cap
	faultUnparseable       // not an HTTP/1.x response (or a malformed one)
)

// answer is one exchange as a client read it: the status, the Content-Type
// and the first ReadCap bytes of the body, or the fault that ended it.
type answer struct {
	fault       fault
	status      int
	contentType []byte
	body        []byte
}

// Judgement is what an exchange counts as, with the error code of an
// RFC 6749 error body (index into ErrorCodes, -1 none) and, when it is not
// the counted success, why in words (a constant: judging never allocates a
// message).
type Judgement struct {
	Outcome Outcome
	Code    int
	Why     string
}

// judge classifies one exchange. It is the one place that decides what an
// exchange counts as, for both HTTP clients and the pre-flight:
//
//   - issued: 2xx whose body parses, in its format (the Content-Type, or
//     sniffed when that names none of JSON, urlencoded, XML), and carries a
//     non-empty access_token and token_type;
//   - not a token: any other 2xx (counted on its own, always an error);
//   - refused: 4xx with a parseable RFC 6749 error body (a non-empty error);
//   - 5xx: a server error (its error code recorded when it has one);
//   - other status: 1xx/3xx;
//   - unparseable, truncated, oversize, timeout, connection: the named faults.
//
// In raw calibration mode (no assertion is sent) a 2xx counts as answered
// whatever its body.
func judge(a *answer, raw bool) Judgement {
	switch a.fault {
	case faultTimeout:
		return Judgement{OutcomeTimeout, -1, "no complete answer within the timeout"}
	case faultConnection:
		return Judgement{OutcomeConnError, -1, "the connection failed before an answer"}
	case faultTruncated:
		return Judgement{OutcomeTruncated, -1, "the answer ended before its declared length"}
	case faultOversize:
		return Judgement{OutcomeOversize, -1, "the answer is larger than the read cap (headers 1 MiB, body 64 KiB)"}
	case faultUnparseable:
		return Judgement{OutcomeUnparseable, -1, "not a well-formed HTTP/1.x response"}
	}
	st := a.status
	switch {
	case st >= 200 && st < 300:
		if raw {
			return Judgement{OutcomeIssued, -1, ""}
		}
		p := parseBody(a.contentType, a.body)
		switch {
		case p.why != "":
			return Judgement{OutcomeNotToken, -1, p.why}
		case !p.accessToken:
			return Judgement{OutcomeNotToken, p.code, "the body has no non-empty access_token"}
		case !p.tokenType:
			return Judgement{OutcomeNotToken, p.code, "the body has no non-empty token_type"}
		}
		return Judgement{OutcomeIssued, -1, ""}
	case st >= 400 && st < 500:
		p := parseBody(a.contentType, a.body)
		if raw {
			return Judgement{OutcomeRejected, p.code, "4xx"}
		}
		if p.why != "" {
			return Judgement{OutcomeUnparseable, -1, "4xx whose body does not parse as JSON, urlencoded or XML (no RFC 6749 error)"}
		}
		if p.code < 0 {
			return Judgement{OutcomeUnparseable, -1, "4xx whose body has no non-empty error member (RFC 6749 §5.2)"}
		}
		return Judgement{OutcomeRejected, p.code, "refused with an RFC 6749 error"}
	case st >= 500 && st < 600:
		code := -1
		if !raw {
			code = parseBody(a.contentType, a.body).code
		}
		return Judgement{OutcomeServerError, code, "server error (5xx)"}
	}
	return Judgement{OutcomeOtherStatus, -1, "neither 2xx, 4xx nor 5xx (redirects are not followed)"}
}

// parsed is what judge needs from a body.
type parsed struct {
	why         string // non-empty: the body does not parse (a constant)
	accessToken bool   // a non-empty access_token string member
	tokenType   bool   // a non-empty token_type string member
	code        int    // the error member's index in ErrorCodes, -1 none
}

// Body formats, as the conformance driver names them.
const (
	formatJSON = iota + 1
	formatForm
	formatXML
)

func formatOf(contentType []byte) int {
	mt := contentType
	if i := bytes.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	mt = bytes.TrimSpace(mt)
	switch {
	case asciiEqualFold(mt, "application/json"), len(mt) > 5 && asciiEqualFold(mt[len(mt)-5:], "+json"):
		return formatJSON
	case asciiEqualFold(mt, "application/x-www-form-urlencoded"):
		return formatForm
	case asciiEqualFold(mt, "application/xml"), asciiEqualFold(mt, "text/xml"), len(mt) > 4 && asciiEqualFold(mt[len(mt)-4:], "+xml"):
		return formatXML
	}
	return 0
}

// sniff guesses the format of a body whose Content-Type names none.
func sniff(b []byte) int {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return 0
	case b[0] == '{':
		return formatJSON
	case b[0] == '<':
		return formatXML
	case bytes.IndexByte(b, '=') > 0 && bytes.IndexAny(b, " \t\r\n") < 0:
		return formatForm
	}
	return 0
}

func parseBody(contentType, body []byte) parsed {
	if len(bytes.TrimSpace(body)) == 0 {
		return parsed{why: "the body is empty", code: -1}
	}
	f := formatOf(contentType)
	if f == 0 {
		f = sniff(body)
	}
	switch f {
	case formatJSON:
		return parseJSON(body)
	case formatForm:
		return parseForm(body)
	case formatXML:
		return parseXML(body)
	}
	return parsed{why: "the body is not JSON, urlencoded or XML", code: -1}
}

// jsonParsers parse token answers; a parser is reused, so judging a JSON
// body allocates nothing in the steady state.
var jsonParsers fastjson.ParserPool

// parseJSON validates the whole body (fastjson.ValidateBytes: RFC 8259,
// strings and escapes included), then reads the top-level members by
// their exact, case-sensitive names.
func parseJSON(body []byte) parsed {
	if err := fastjson.ValidateBytes(body); err != nil {
		return parsed{why: "the body is not valid JSON", code: -1}
	}
	p := jsonParsers.Get()
	defer jsonParsers.Put(p)
	v, err := p.ParseBytes(body)
	if err != nil {
		return parsed{why: "the body is not valid JSON", code: -1}
	}
	o, err := v.Object()
	if err != nil {
		return parsed{why: "the body is not valid JSON: not an object", code: -1}
	}
	out := parsed{code: -1}
	out.accessToken = nonEmptyString(o.Get("access_token"))
	out.tokenType = nonEmptyString(o.Get("token_type"))
	if e := o.Get("error"); nonEmptyString(e) {
		out.code = codeIndex(e.GetStringBytes())
	}
	return out
}

// nonEmptyString reports whether v is a JSON string of at least one character.
func nonEmptyString(v *fastjson.Value) bool {
	return v != nil && v.Type() == fastjson.TypeString && len(v.GetStringBytes()) > 0
}

// parseForm reads an application/x-www-form-urlencoded body as
// url.ParseQuery does (';' refused, every name and value unescaped, the
// first value of a name counts) without building a map.
func parseForm(body []byte) parsed {
	q := string(bytes.TrimSpace(body))
	p := parsed{code: -1}
	var sawToken, sawType, sawError bool
	for q != "" {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		if strings.Contains(kv, ";") {
			return parsed{why: "the body is not valid urlencoded: ';' separator", code: -1}
		}
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, err := url.QueryUnescape(k)
		if err != nil {
			return parsed{why: "the body is not valid urlencoded", code: -1}
		}
		v, err = url.QueryUnescape(v)
		if err != nil {
			return parsed{why: "the body is not valid urlencoded", code: -1}
		}
		switch {
		case k == "access_token" && !sawToken:
			sawToken, p.accessToken = true, v != ""
		case k == "token_type" && !sawType:
			sawType, p.tokenType = true, v != ""
		case k == "error" && !sawError:
			sawError = true
			if v != "" {
				p.code = codeIndex([]byte(v))
			}
		}
	}
	return p
}

// parseXML reads <root><name>text</name>...</root>, as the conformance
// driver does: one root element, its children by local name.
func parseXML(body []byte) parsed {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	p := parsed{code: -1}
	depth, sawRoot := 0, false
	var sawToken, sawType, sawError bool
	var name string
	var text []byte
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return parsed{why: "the body is not valid XML", code: -1}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				if sawRoot {
					return parsed{why: "the XML body has more than one root element", code: -1}
				}
				sawRoot = true
			}
			if depth == 2 {
				name, text = t.Name.Local, text[:0]
			}
		case xml.CharData:
			if depth >= 2 {
				text = append(text, t...)
			}
		case xml.EndElement:
			if depth == 2 {
				// The first element of a name counts, as in the driver.
				v := bytes.TrimSpace(text)
				switch {
				case name == "access_token" && !sawToken:
					sawToken, p.accessToken = true, len(v) > 0
				case name == "token_type" && !sawType:
					sawType, p.tokenType = true, len(v) > 0
				case name == "error" && !sawError:
					sawError = true
					if len(v) > 0 {
						p.code = codeIndex(v)
					}
				}
			}
			depth--
		}
	}
	if !sawRoot {
		return parsed{why: "the XML body has no root element", code: -1}
	}
	return p
}

// codeIndex returns v's index in ErrorCodes, errCodeOther when unknown.
func codeIndex(v []byte) int {
	for i, c := range ErrorCodes[:errCodeOther] {
		if string(v) == c {
			return i
		}
	}
	return errCodeOther
}
