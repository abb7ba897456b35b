package reference

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
)

// tokenResponse is RFC 6749 §5.1.
type tokenResponse struct {
	AccessToken string
	TokenType   string
	ExpiresIn   int64
	Scope       string
}

func (h *handler) headers(w http.ResponseWriter) {
	if !h.has(FlawNoCacheHeaders) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
	}
}

type kv struct{ k, v string }

func (h *handler) writeToken(t *treq, tok *tokenResponse) {
	w := t.w
	h.headers(w)
	fields := []kv{{"access_token", tok.AccessToken}}
	if !h.has(FlawTokenTypeMissing) {
		fields = append(fields, kv{"token_type", tok.TokenType})
	}
	expires := strconv.FormatInt(tok.ExpiresIn, 10)
	fields = append(fields, kv{"expires_in", expires})
	if tok.Scope != "" {
		fields = append(fields, kv{"scope", tok.Scope})
	}
	if t.format == FormatJSON {
		m := map[string]any{}
		for _, f := range fields {
			m[f.k] = f.v
		}
		if !h.has(FlawExpiresInString) {
			m["expires_in"] = tok.ExpiresIn
		}
		h.writeJSON(w, http.StatusOK, m)
		return
	}
	writeFields(w, t.format, "token", http.StatusOK, fields)
}

func (h *handler) writeJSON(w http.ResponseWriter, status int, m map[string]any) {
	b, _ := json.Marshal(m)
	if h.has(FlawContentTypeText) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeFields writes format=urlencoded (a form body) or format=xml
// (<root><name>value</name>...</root>: root "token" on success, "error" on
// failure).
func writeFields(w http.ResponseWriter, format, root string, status int, fields []kv) {
	var body []byte
	switch format {
	case FormatURLEncoded:
		v := url.Values{}
		for _, f := range fields {
			v.Set(f.k, f.v)
		}
		body = []byte(v.Encode())
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
	default:
		var b bytes.Buffer
		b.WriteString(xml.Header)
		b.WriteString("<" + root + ">")
		for _, f := range fields {
			b.WriteString("<" + f.k + ">")
			_ = xml.EscapeText(&b, []byte(f.v))
			b.WriteString("</" + f.k + ">")
		}
		b.WriteString("</" + root + ">")
		body = b.Bytes()
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError writes an RFC 6749 §5.2 error in the request's format.
func (h *handler) writeError(t *treq, e *OAuthError) {
	w := t.w
	h.headers(w)
	code, desc, status := e.Code, e.Description, e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	for k, vs := range e.Header {
		w.Header()[k] = vs
	}
	if code == ErrInvalidClient && t.usedAuth && !h.has(FlawInvalidClient400) {
		scheme := t.authHdr
		if scheme == "" {
			scheme = "Basic"
		}
		w.Header().Set("WWW-Authenticate", scheme+` realm="jwtharness", error="invalid_client"`)
	}
	if e.malformed && h.has(FlawServerErrorOnBad) {
		code, status = ErrServerError, http.StatusInternalServerError
	}
	if h.has(FlawWrongErrorCode) {
		code = ErrInvalidRequest
	}
	if h.has(FlawErrorStatus200) {
		status = http.StatusOK
	}
	if h.has(FlawErrorDescCRLF) {
		desc += "\r\n\"" + code + "\""
	}
	if t.format == FormatJSON {
		h.writeJSON(w, status, map[string]any{"error": code, "error_description": desc})
		return
	}
	writeFields(w, t.format, "error", status, []kv{{"error", code}, {"error_description", desc}})
}
