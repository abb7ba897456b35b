package reference

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// response is an answer on its way out: status, headers and the body's
// fields in order (values are strings, or int64 for JSON numbers).
type response struct {
	status int
	header http.Header
	fields []field
	body   []byte
}

type field struct {
	k string
	v any
}

func (r *response) get(k string) (any, bool) {
	for _, f := range r.fields {
		if f.k == k {
			return f.v, true
		}
	}
	return nil, false
}

func (r *response) set(k string, v any) {
	for i := range r.fields {
		if r.fields[i].k == k {
			r.fields[i].v = v
			return
		}
	}
	r.fields = append(r.fields, field{k, v})
}

func (r *response) del(k string) {
	for i := range r.fields {
		if r.fields[i].k == k {
			r.fields = append(r.fields[:i], r.fields[i+1:]...)
			return
		}
	}
}

// responsePipeline shapes every answer of the token endpoint, in order. A
// flaw overrides steps by name (seam.go).
var responsePipeline = []step[responseStep]{
	{"error-body", (*handler).errorBody}, // RFC 6749 §5.2: error, error_description; 400, 401 + WWW-Authenticate for invalid_client
	{"token-body", (*handler).tokenBody}, // RFC 6749 §5.1: access_token, token_type, expires_in (a number), scope
	{"cache", (*handler).noStore},        // RFC 6749 §5.1: Cache-Control: no-store, Pragma: no-cache
	{"encode", (*handler).encode},        // the format parameter: JSON (default), urlencoded or XML
}

// respond runs the response pipeline for t (refused when t.err is set) and
// writes the answer.
func (h *handler) respond(t *treq) {
	r := &response{status: http.StatusOK, header: http.Header{}}
	for _, step := range h.response {
		step(h, t, r)
	}
	for k, vs := range r.header {
		t.w.Header()[k] = vs
	}
	t.w.WriteHeader(r.status)
	_, _ = t.w.Write(r.body)
}

// errorBody is an RFC 6749 §5.2 error (refusals only).
func (h *handler) errorBody(t *treq, r *response) {
	e := t.err
	if e == nil {
		return
	}
	r.status = e.Status
	if r.status == 0 {
		r.status = http.StatusBadRequest
	}
	for k, vs := range e.Header {
		r.header[k] = vs
	}
	if e.Code == ErrInvalidClient && t.usedAuth {
		scheme := t.authHdr
		if scheme == "" {
			scheme = "Basic"
		}
		r.header.Set("WWW-Authenticate", scheme+` realm="jwtharness", error="invalid_client"`)
	}
	r.set("error", e.Code)
	r.set("error_description", e.Description)
}

// tokenBody is an RFC 6749 §5.1 access token response (successes only).
func (h *handler) tokenBody(t *treq, r *response) {
	if t.err != nil {
		return
	}
	var buf [32]byte
	_, _ = rand.Read(buf[:])
	r.set("access_token", base64.RawURLEncoding.EncodeToString(buf[:]))
	r.set("token_type", "Bearer")
	r.set("expires_in", int64(h.opts.TokenLifetime/time.Second))
	if sc := t.form.Get("scope"); sc != "" {
		r.set("scope", sc)
	}
}

func (h *handler) noStore(_ *treq, r *response) {
	r.header.Set("Cache-Control", "no-store")
	r.header.Set("Pragma", "no-cache")
}

// encode writes the fields in the request's format: JSON (an object),
// urlencoded (a form) or XML (<token>...</token> on success,
// <error>...</error> on failure).
func (h *handler) encode(t *treq, r *response) {
	switch t.format {
	case FormatURLEncoded:
		v := url.Values{}
		for _, f := range r.fields {
			v.Set(f.k, fieldString(f.v))
		}
		r.body = []byte(v.Encode())
		r.header.Set("Content-Type", "application/x-www-form-urlencoded")
	case FormatXML:
		root := "token"
		if t.err != nil {
			root = "error"
		}
		var b bytes.Buffer
		b.WriteString(xml.Header)
		b.WriteString("<" + root + ">")
		for _, f := range r.fields {
			b.WriteString("<" + f.k + ">")
			_ = xml.EscapeText(&b, []byte(fieldString(f.v)))
			b.WriteString("</" + f.k + ">")
		}
		b.WriteString("</" + root + ">")
		r.body = b.Bytes()
		r.header.Set("Content-Type", "application/xml; charset=utf-8")
	default:
		m := make(map[string]any, len(r.fields))
		for _, f := range r.fields {
			m[f.k] = f.v
		}
		r.body, _ = json.Marshal(m)
		r.header.Set("Content-Type", "application/json; charset=utf-8")
	}
}

func fieldString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return ""
}
