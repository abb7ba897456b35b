package driver

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Response body formats the driver understands (the vendor format parameter).
const (
	FormatJSON       = "json"
	FormatURLEncoded = "urlencoded"
	FormatXML        = "xml"
)

// Exchange is one request and what came back.
type Exchange struct {
	Request *Request
	// URL is the full URL the request was sent to (with Query).
	URL string
	// Status is the HTTP status code; 0 when no response arrived.
	Status int
	// Header is the response header.
	Header http.Header
	// Body is the response body, at most the client's limit (1 MiB).
	Body []byte
	// Truncated is set when the body was longer than the limit.
	Truncated bool
	// Duration runs from sending the request to the end of the body.
	Duration time.Duration
	// Err is a transport error: no connection, timeout, unreadable body.
	Err error
	// MediaType is the response's Content-Type without parameters.
	MediaType string
	// Format is the format the body was parsed as: json, urlencoded, xml or
	// "" when it was not parsed. It follows MediaType; when MediaType names
	// none of them the body is sniffed and Sniffed is set.
	Format  string
	Sniffed bool
	// ParseErr says why the body could not be parsed as Format.
	ParseErr error
	// JSON is the body as a JSON object, when it is one.
	JSON map[string]any
	// Fields holds the top-level members of the body in any format as
	// strings: JSON strings as is, numbers and booleans as their JSON text,
	// other values as compact JSON; the first value of a urlencoded name;
	// the text of each child of the XML root element.
	Fields map[string]string

	sentHeader http.Header // the request header as sent
	sentBody   []byte      // the request body as sent
	secrets    []string    // client secrets to redact (request's and client's)
}

// OK reports whether a response arrived with a 2xx status.
func (e *Exchange) OK() bool {
	return e != nil && e.Err == nil && e.Status >= 200 && e.Status < 300
}

// Issued reports whether the endpoint issued a token: a 2xx answer whose
// body carries a non-empty access_token.
func (e *Exchange) Issued() bool {
	return e.OK() && e.Fields["access_token"] != ""
}

// ErrorCode is the error member of the answer (RFC 6749 §5.2), or "".
func (e *Exchange) ErrorCode() string {
	if e == nil {
		return ""
	}
	return e.Fields["error"]
}

// ErrorDescription is the error_description member of the answer, or "".
func (e *Exchange) ErrorDescription() string {
	if e == nil {
		return ""
	}
	return e.Fields["error_description"]
}

// Field returns one member of the parsed body, or "".
func (e *Exchange) Field(name string) string {
	if e == nil {
		return ""
	}
	return e.Fields[name]
}

// String is a one-line summary fit for a verdict's Actual: "HTTP 400
// invalid_grant (description)", "HTTP 200 access_token issued", or the
// transport error.
func (e *Exchange) String() string {
	if e == nil {
		return "no exchange"
	}
	if e.Status == 0 && e.Err != nil {
		return "no answer: " + e.Err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP %d", e.Status)
	switch {
	case e.Issued():
		b.WriteString(" access_token issued")
	case e.ErrorCode() != "":
		b.WriteString(" error=" + e.ErrorCode())
		if d := e.ErrorDescription(); d != "" {
			if len(d) > 120 {
				d = d[:120] + "..."
			}
			q := strconv.Quote(d)
			fmt.Fprintf(&b, " (%s)", q[1:len(q)-1])
		}
	case len(e.Body) == 0:
		b.WriteString(" empty body")
	case e.ParseErr != nil:
		fmt.Fprintf(&b, " unparsable %s body (%d bytes)", nonEmpty(e.MediaType, "untyped"), len(e.Body))
	default:
		fmt.Fprintf(&b, " %s body without access_token or error", nonEmpty(e.Format, e.MediaType))
	}
	if e.Truncated {
		b.WriteString(", body truncated")
	}
	if e.Err != nil {
		b.WriteString(", " + e.Err.Error())
	}
	return b.String()
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// parseBody fills MediaType, Format, JSON, Fields and ParseErr.
func (e *Exchange) parseBody() {
	e.Fields = map[string]string{}
	if ct := e.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil {
			mt = strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
		}
		e.MediaType = mt
	}
	if len(bytes.TrimSpace(e.Body)) == 0 {
		return
	}
	e.Format = formatOf(e.MediaType)
	if e.Format == "" {
		e.Format = sniff(e.Body)
		e.Sniffed = e.Format != ""
	}
	switch e.Format {
	case FormatJSON:
		e.ParseErr = e.parseJSON()
	case FormatURLEncoded:
		e.ParseErr = e.parseForm()
	case FormatXML:
		e.ParseErr = e.parseXML()
	default:
		e.ParseErr = fmt.Errorf("body is not JSON, urlencoded or XML (Content-Type %q)", e.Header.Get("Content-Type"))
	}
	if e.ParseErr != nil {
		e.Fields = map[string]string{}
		e.JSON = nil
	}
}

func formatOf(mediaType string) string {
	switch {
	case mediaType == "application/json", strings.HasSuffix(mediaType, "+json"):
		return FormatJSON
	case mediaType == FormContentType:
		return FormatURLEncoded
	case mediaType == "application/xml", mediaType == "text/xml", strings.HasSuffix(mediaType, "+xml"):
		return FormatXML
	}
	return ""
}

var formSniff = regexp.MustCompile(`^[A-Za-z0-9_.~%+-]+=[^\s]*$`)

func sniff(body []byte) string {
	b := bytes.TrimSpace(body)
	switch {
	case len(b) == 0:
		return ""
	case b[0] == '{':
		return FormatJSON
	case b[0] == '<':
		return FormatXML
	case formSniff.Match(b):
		return FormatURLEncoded
	}
	return ""
}

func (e *Exchange) parseJSON() error {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(e.Body))
	if err := dec.Decode(&m); err != nil {
		return fmt.Errorf("invalid JSON object: %w", err)
	}
	if m == nil {
		return errors.New("JSON body is null, not an object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("JSON body has trailing data after the object")
	}
	e.JSON = m
	for k, v := range m {
		switch v := v.(type) {
		case string:
			e.Fields[k] = v
		case float64:
			e.Fields[k] = strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			e.Fields[k] = strconv.FormatBool(v)
		case nil:
			e.Fields[k] = "null"
		default:
			b, _ := json.Marshal(v)
			e.Fields[k] = string(b)
		}
	}
	return nil
}

func (e *Exchange) parseForm() error {
	vs, err := url.ParseQuery(strings.TrimSpace(string(e.Body)))
	if err != nil {
		return fmt.Errorf("invalid urlencoded body: %w", err)
	}
	for k, v := range vs {
		if len(v) > 0 {
			e.Fields[k] = v[0]
		}
	}
	return nil
}

// parseXML reads <root><name>text</name>...</root>: the text of each child
// element of the root, by local name.
func (e *Exchange) parseXML() error {
	dec := xml.NewDecoder(bytes.NewReader(e.Body))
	dec.Strict = true
	depth := 0
	var name string
	var text strings.Builder
	sawRoot := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("invalid XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				if sawRoot {
					return errors.New("invalid XML: more than one root element")
				}
				sawRoot = true
			}
			if depth == 2 {
				name = t.Name.Local
				text.Reset()
			}
		case xml.CharData:
			if depth >= 2 {
				text.Write(t)
			}
		case xml.EndElement:
			if depth == 2 {
				if _, dup := e.Fields[name]; !dup {
					e.Fields[name] = strings.TrimSpace(text.String())
				}
			}
			depth--
		}
	}
	if !sawRoot {
		return errors.New("invalid XML: no root element")
	}
	return nil
}

// Redaction markers. They use no character that form encoding escapes, so
// a redacted form body stays readable.
const (
	redacted    = "REDACTED"
	redactedSig = "SIGNATURE-REDACTED"
)

// sensitive parameter and response member names whose values never appear
// in a transcript.
var sensitiveNames = map[string]bool{
	"client_secret": true, "password": true, "access_token": true,
	"refresh_token": true, "id_token": true, "secret": true,
}

var sensitiveHeaders = map[string]bool{
	"Authorization": true, "Proxy-Authorization": true, "Cookie": true, "Set-Cookie": true,
}

// jwtLike matches a compact JWS/JWE: base64url segments joined by dots whose
// first segment decodes to a JSON object ("eyJ").
var jwtLike = regexp.MustCompile(`eyJ[A-Za-z0-9_=+/-]*\.[A-Za-z0-9_=+/-]*(\.[A-Za-z0-9_=+/-]*)+`)

// RedactJWT keeps the header and payload of a compact token and replaces
// everything after the second dot (the signature, or the rest of a JWE).
func RedactJWT(tok string) string {
	parts := strings.SplitN(tok, ".", 3)
	if len(parts) < 3 || parts[2] == "" {
		return tok
	}
	return parts[0] + "." + parts[1] + "." + redactedSig
}

// redactor applies every redaction rule to free text.
type redactor struct {
	values []string // exact values to replace with REDACTED, longest first
}

func newRedactor(values ...string) *redactor {
	r := &redactor{}
	seen := map[string]bool{}
	for _, v := range values {
		if len(v) < 4 || seen[v] { // a 1-3 byte "secret" would shred the transcript
			continue
		}
		seen[v] = true
		r.values = append(r.values, v)
		if q := url.QueryEscape(v); q != v {
			r.values = append(r.values, q)
		}
	}
	sort.Slice(r.values, func(i, j int) bool { return len(r.values[i]) > len(r.values[j]) })
	return r
}

func (r *redactor) text(s string) string {
	for _, v := range r.values {
		s = strings.ReplaceAll(s, v, redacted)
	}
	s = sensitiveJSON.ReplaceAllString(s, `${1}"`+redacted+`"`)
	s = sensitiveXML.ReplaceAllString(s, `${1}`+redacted+`${3}`)
	s = sensitiveForm.ReplaceAllString(s, `${1}`+redacted)
	s = jwsJSONSignature.ReplaceAllString(s, `${1}"`+redactedSig+`"`)
	return jwtLike.ReplaceAllStringFunc(s, RedactJWT)
}

// Sensitive members by shape, whatever their value: JSON "name": "value",
// XML <name>value</name>, form name=value.
const sensitiveAlt = `client_secret|password|access_token|refresh_token|id_token`

var (
	sensitiveJSON = regexp.MustCompile(`("(?:` + sensitiveAlt + `)"\s*:\s*)"(?:[^"\\]|\\.)*"`)
	sensitiveXML  = regexp.MustCompile(`(<(` + sensitiveAlt + `)(?:\s[^>]*)?>)[^<]*(</(?:` + sensitiveAlt + `)>)`)
	// the signature member of a JWS JSON serialization
	jwsJSONSignature = regexp.MustCompile(`("signature"\s*:\s*)"[^"]*"`)
	sensitiveForm    = regexp.MustCompile(`((?:^|[&?\s])(?:` + sensitiveAlt + `)=)[^&\s]*`)
)

// param redacts one parameter value by its name.
func (r *redactor) param(name, value string) string {
	if sensitiveNames[strings.ToLower(name)] {
		return redacted
	}
	if strings.Count(value, ".") >= 2 && (name == "assertion" || name == "client_assertion") {
		return RedactJWT(value)
	}
	return r.text(value)
}

func (r *redactor) header(h http.Header, prefix string, b *strings.Builder) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	lines := 0
	for _, k := range keys {
		for _, v := range h[k] {
			if lines++; lines > maxTranscriptHeaders {
				continue
			}
			size := len(v)
			if size > 16*maxTranscriptHeader {
				v = v[:16*maxTranscriptHeader] // redaction below sees far past the cut
			}
			if sensitiveHeaders[http.CanonicalHeaderKey(k)] {
				scheme, _, ok := strings.Cut(v, " ")
				if ok && k != "Cookie" && k != "Set-Cookie" {
					v = scheme + " " + redacted
				} else {
					v = redacted
				}
			} else {
				v = r.text(v)
			}
			if size > maxTranscriptHeader {
				v = fmt.Sprintf("%s [header: %d of %d bytes shown]", v[:min(len(v), maxTranscriptHeader)], min(len(v), maxTranscriptHeader), size)
			}
			fmt.Fprintf(b, "%s%s: %s\n", prefix, k, v)
		}
	}
	if lines > maxTranscriptHeaders {
		fmt.Fprintf(b, "%s[headers: %d of %d lines shown]\n", prefix, maxTranscriptHeaders, lines)
	}
}

// A transcript shows at most maxTranscriptHeaders header lines, each cut
// at maxTranscriptHeader bytes (a hostile server may send megabytes).
const (
	maxTranscriptHeader  = 4 << 10
	maxTranscriptHeaders = 100
)

// maxTranscriptBody bounds how much of a response body a transcript shows.
const maxTranscriptBody = 4 << 10

// Transcript is the exchange as text, redacted: client secrets, access and
// refresh tokens, the signature segment of every JWT, and Authorization
// and cookie headers never appear in it. Lines sent start with "> ",
// lines received with "< ".
func (e *Exchange) Transcript() string {
	if e == nil {
		return ""
	}
	var secrets []string
	secrets = append(secrets, e.secrets...)
	if e.Request != nil {
		secrets = append(secrets, e.Request.Secrets...)
	}
	for name, v := range e.Fields {
		if sensitiveNames[name] {
			secrets = append(secrets, v)
		}
	}
	r := newRedactor(secrets...)
	var b strings.Builder
	method := http.MethodPost
	if e.Request != nil {
		method = e.Request.method()
	}
	fmt.Fprintf(&b, "> %s %s\n", method, r.text(e.URL))
	r.header(e.sentHeader, "> ", &b)
	b.WriteString(">\n")
	switch {
	case e.Request != nil && e.Request.Body == nil && len(e.Request.Params) > 0:
		b.WriteString("> " + r.formRedacted(e.Request.Params) + "\n")
	case len(e.sentBody) > 0:
		for _, line := range strings.Split(r.text(string(e.sentBody)), "\n") {
			b.WriteString("> " + line + "\n")
		}
	}
	if e.Status == 0 {
		if e.Err != nil {
			fmt.Fprintf(&b, "! %s (after %s)\n", e.Err, roundDuration(e.Duration))
		}
		return b.String()
	}
	fmt.Fprintf(&b, "< HTTP %d %s (%s)\n", e.Status, http.StatusText(e.Status), roundDuration(e.Duration))
	r.header(e.Header, "< ", &b)
	b.WriteString("<\n")
	body := string(e.Body)
	shown := len(body)
	if shown > maxTranscriptBody {
		body = body[:maxTranscriptBody]
	}
	if body != "" {
		for _, line := range strings.Split(strings.TrimRight(r.text(body), "\n"), "\n") {
			b.WriteString("< " + line + "\n")
		}
	}
	if shown > maxTranscriptBody || e.Truncated {
		note := ""
		if e.Truncated {
			note = ", more was sent than the client reads"
		}
		fmt.Fprintf(&b, "< [body: %d of %d bytes read shown%s]\n", min(shown, maxTranscriptBody), len(e.Body), note)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, "! %s\n", e.Err)
	}
	return b.String()
}

// formRedacted encodes a form with every sensitive value redacted, keeping
// JWT header and payload segments and the redaction markers readable.
func (r *redactor) formRedacted(ps []Param) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.Name))
		b.WriteByte('=')
		// the markers and base64url segments need no escaping
		b.WriteString(url.QueryEscape(r.param(p.Name, p.Value)))
	}
	return b.String()
}

// roundDuration keeps two or three significant digits: 340µs, 12ms, 1.2s.
func roundDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}
