package loadgen

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Client implementations.
const (
	// ClientFast is a lean HTTP/1.1 keep-alive client: one connection per
	// worker, request bytes preformatted, response parsed in place and
	// drained (bounded), no allocation per request in the steady state.
	ClientFast = "fast"
	// ClientNet is net/http with a tuned Transport, for endpoints that need
	// what the lean client lacks (HTTP/2, proxies, redirects are never followed).
	ClientNet = "net"
)

// MaxResponseBytes bounds how much of one response body is read; a longer
// body is cut off and its connection closed.
const MaxResponseBytes = 1 << 20

// keepBytes of a response body are kept to read the error code.
const keepBytes = 512

// Endpoint is where and how requests are sent.
type Endpoint struct {
	URL         *url.URL
	Method      string      // "POST" (token requests) or anything for raw mode
	ContentType string      // of the body; "" = none
	Header      http.Header // extra request headers (rarely needed)
	TLS         *tls.Config // https; nil = system roots
	Timeout     time.Duration
}

// result is one exchange as a doer saw it.
type result struct {
	status   int
	code     int // ErrorCodes index, -1 none
	in, out  int64
	err      error
	timedOut bool
}

// doer sends one request body and reads the answer. Not safe for
// concurrent use: one per worker.
type doer interface {
	do(body []byte) result
	close()
}

func newDoer(kind string, ep *Endpoint, maxConns int) (doer, error) {
	switch kind {
	case ClientNet:
		return newNetDoer(ep, maxConns), nil
	case ClientFast, "":
		return newFastDoer(ep)
	}
	return nil, fmt.Errorf("unknown client %q", kind)
}

// fastDoer is the lean HTTP/1.1 client.
type fastDoer struct {
	ep      *Endpoint
	addr    string
	https   bool
	c       net.Conn
	br      *bufio.Reader
	head    []byte // request line + headers up to the Content-Length value
	wbuf    []byte
	fresh   bool // the connection has not served a request yet
	timeout time.Duration
	dl      time.Time // the connection's current deadline
}

func newFastDoer(ep *Endpoint) (*fastDoer, error) {
	u := ep.URL
	host := u.Host
	port := u.Port()
	switch u.Scheme {
	case "http":
		if port == "" {
			host = net.JoinHostPort(u.Hostname(), "80")
		}
	case "https":
		if port == "" {
			host = net.JoinHostPort(u.Hostname(), "443")
		}
	default:
		return nil, fmt.Errorf("endpoint %s: scheme %q (want http or https)", u.Redacted(), u.Scheme)
	}
	method := ep.Method
	if method == "" {
		method = http.MethodPost
	}
	var h bytes.Buffer
	h.WriteString(method + " " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUser-Agent: jwtharness\r\n")
	if ep.ContentType != "" { // a token request; raw mode sends the bare minimum
		h.WriteString("Accept: application/json\r\n")
	}
	for k, vs := range ep.Header {
		for _, v := range vs {
			h.WriteString(k + ": " + v + "\r\n")
		}
	}
	if ep.ContentType != "" {
		h.WriteString("Content-Type: " + ep.ContentType + "\r\n")
	}
	return &fastDoer{ep: ep, addr: host, https: u.Scheme == "https", head: h.Bytes(), timeout: ep.Timeout, wbuf: make([]byte, 0, 4096)}, nil
}

func (f *fastDoer) dial(deadline time.Time) error {
	d := net.Dialer{Deadline: deadline, KeepAlive: 30 * time.Second}
	c, err := d.Dial("tcp", f.addr)
	if err != nil {
		return err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	if f.https {
		cfg := f.ep.TLS.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		if cfg.ServerName == "" {
			cfg.ServerName = f.ep.URL.Hostname()
		}
		cfg.NextProtos = []string{"http/1.1"}
		tc := tls.Client(c, cfg)
		_ = tc.SetDeadline(deadline)
		if err := tc.Handshake(); err != nil {
			c.Close()
			return err
		}
		c = tc
	}
	f.c = c
	if f.br == nil {
		f.br = bufio.NewReaderSize(c, 16<<10)
	} else {
		f.br.Reset(c)
	}
	f.fresh = true
	return nil
}

func (f *fastDoer) close() {
	if f.c != nil {
		f.c.Close()
		f.c = nil
	}
}

func (f *fastDoer) do(body []byte) result {
	r := f.try(body)
	if r.err != nil && r.retry() {
		// A kept-alive connection the server had already closed: the
		// request never reached it. Once more on a new connection.
		r = f.try(body)
	}
	return r
}

// errStale marks a reused connection that failed before any response byte.
var errStale = errors.New("stale keep-alive connection")

func (r result) retry() bool { return errors.Is(r.err, errStale) }

func (f *fastDoer) try(body []byte) result {
	res := result{code: -1}
	now := time.Now()
	if f.c == nil {
		if err := f.dial(now.Add(f.timeout)); err != nil {
			res.err = err
			res.timedOut = isTimeout(err)
			return res
		}
		f.dl = time.Time{}
	}
	reused := !f.fresh
	f.fresh = false
	// The deadline is moved only when less than 90% of the timeout is
	// left: a request times out after between 0.9 and 1.0 × Timeout, and
	// most requests skip the runtime timer update.
	if f.dl.Sub(now) < f.timeout-f.timeout/10 {
		f.dl = now.Add(f.timeout)
		if err := f.c.SetDeadline(f.dl); err != nil {
			f.close()
			res.err = err
			return res
		}
	}
	w := append(f.wbuf[:0], f.head...)
	if body != nil || f.ep.Method == "" || f.ep.Method == http.MethodPost || f.ep.Method == http.MethodPut {
		w = append(w, "Content-Length: "...)
		w = strconv.AppendInt(w, int64(len(body)), 10)
		w = append(w, "\r\n\r\n"...)
		w = append(w, body...)
	} else {
		w = append(w, "\r\n"...)
	}
	f.wbuf = w
	res.out = int64(len(w))
	if _, err := f.c.Write(w); err != nil {
		f.close()
		if reused && !isTimeout(err) {
			res.err = errStale
			return res
		}
		res.err = err
		res.timedOut = isTimeout(err)
		return res
	}
	n, status, code, keep, err := readResponse(f.br, f.ep.Method == http.MethodHead)
	res.in = n
	res.status = status
	res.code = code
	if err != nil {
		f.close()
		if reused && n == 0 && !isTimeout(err) {
			res.err = errStale
			return res
		}
		res.err = err
		res.timedOut = isTimeout(err)
		return res
	}
	if !keep {
		f.close()
	}
	return res
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

var errMalformed = errors.New("malformed HTTP response")

// readResponse reads one HTTP/1.1 response from br: status, headers,
// body (bounded, drained). It returns the bytes read, the status, the
// error code found in the first bytes of a 4xx/5xx body, and whether the
// connection can be reused.
func readResponse(br *bufio.Reader, head bool) (n int64, status, code int, keep bool, err error) {
	code = -1
	for {
		line, err := br.ReadSlice('\n')
		n += int64(len(line))
		if err != nil {
			return n, 0, code, false, err
		}
		if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
			return n, 0, code, false, errMalformed
		}
		status = int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
		if status < 100 || status > 599 {
			return n, 0, code, false, errMalformed
		}
		keep = line[7] == '1' // HTTP/1.1 keeps alive by default
		clen := int64(-1)
		chunked := false
		for {
			h, err := br.ReadSlice('\n')
			n += int64(len(h))
			if err == bufio.ErrBufferFull {
				// An over-long header line: skip the rest of it.
				for err == bufio.ErrBufferFull {
					h, err = br.ReadSlice('\n')
					n += int64(len(h))
				}
				if err != nil {
					return n, status, code, false, err
				}
				continue
			}
			if err != nil {
				return n, status, code, false, err
			}
			if len(h) <= 2 {
				break
			}
			switch h[0] | 0x20 {
			case 'c':
				if v, ok := headerValue(h, "content-length"); ok {
					clen, err = strconv.ParseInt(string(v), 10, 64)
					if err != nil || clen < 0 {
						return n, status, code, false, errMalformed
					}
				} else if v, ok := headerValue(h, "connection"); ok {
					if asciiEqualFold(v, "close") {
						keep = false
					} else if asciiEqualFold(v, "keep-alive") {
						keep = true
					}
				}
			case 't':
				if v, ok := headerValue(h, "transfer-encoding"); ok && asciiEqualFold(v, "chunked") {
					chunked = true
				}
			}
		}
		if status < 200 { // 1xx: an interim answer, the real one follows
			continue
		}
		if head || status == 204 || status == 304 {
			return n, status, code, keep, nil
		}
		var bn int64
		switch {
		case chunked:
			bn, code, err = drainChunked(br, status >= 400)
			n += bn
			return n, status, code, keep && err == nil, err
		case clen >= 0:
			if clen > MaxResponseBytes {
				bn, code, err = drainN(br, MaxResponseBytes, status >= 400)
				return n + bn, status, code, false, err
			}
			bn, code, err = drainN(br, clen, status >= 400)
			return n + bn, status, code, keep, err
		default: // until close, bounded
			bn, code, err = drainN(br, MaxResponseBytes, status >= 400)
			if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
				err = nil
			}
			return n + bn, status, code, false, err
		}
	}
}

func drainN(br *bufio.Reader, want int64, scan bool) (n int64, code int, err error) {
	code = -1
	if scan && want > 0 {
		k := want
		if k > keepBytes {
			k = keepBytes
		}
		if b, _ := br.Peek(int(k)); len(b) > 0 {
			code = errorCode(b)
		}
	}
	for want > 0 {
		step := want
		if step > 1<<30 {
			step = 1 << 30
		}
		d, e := br.Discard(int(step))
		n += int64(d)
		want -= int64(d)
		if e != nil {
			if e == io.EOF && want > 0 {
				return n, code, io.ErrUnexpectedEOF
			}
			return n, code, e
		}
	}
	return n, code, nil
}

func drainChunked(br *bufio.Reader, scan bool) (n int64, code int, err error) {
	code = -1
	first := true
	for {
		line, err := br.ReadSlice('\n')
		n += int64(len(line))
		if err != nil {
			return n, code, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		size, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil || size < 0 {
			return n, code, errMalformed
		}
		if size == 0 {
			for { // trailers
				t, err := br.ReadSlice('\n')
				n += int64(len(t))
				if err != nil {
					return n, code, err
				}
				if len(t) <= 2 {
					return n, code, nil
				}
			}
		}
		if n+size > MaxResponseBytes {
			return n, code, errors.New("response body over 1 MiB")
		}
		d, c, err := drainN(br, size, scan && first)
		if first && scan {
			code = c
		}
		first = false
		n += d
		if err != nil {
			return n, code, err
		}
		crlf, err := br.Discard(2)
		n += int64(crlf)
		if err != nil {
			return n, code, err
		}
	}
}

// headerValue returns the trimmed value of header line h if its name is
// name (lower-case).
func headerValue(h []byte, name string) ([]byte, bool) {
	if len(h) <= len(name) || h[len(name)] != ':' || !asciiEqualFold(h[:len(name)], name) {
		return nil, false
	}
	return bytes.TrimSpace(h[len(name)+1:]), true
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if b[i]|0x20 != s[i]|0x20 {
			return false
		}
	}
	return true
}

// errorCode finds the RFC 6749 §5.2 error code in the first bytes of a
// JSON ("error":"invalid_grant") or urlencoded (error=invalid_grant) body
// and returns its index in ErrorCodes, errCodeOther when the body has an
// unknown one, -1 when none is found. It does not allocate.
func errorCode(b []byte) int {
	i := bytes.Index(b, []byte(`"error"`))
	var v []byte
	if i >= 0 {
		rest := b[i+7:]
		j := bytes.IndexByte(rest, '"')
		if j < 0 {
			return -1
		}
		rest = rest[j+1:]
		k := bytes.IndexByte(rest, '"')
		if k < 0 {
			return errCodeOther
		}
		v = rest[:k]
	} else {
		i = bytes.Index(b, []byte("error="))
		if i < 0 || (i > 0 && b[i-1] != '&') {
			i = bytes.Index(b, []byte("<error>"))
			if i < 0 {
				return -1
			}
			rest := b[i+7:]
			k := bytes.IndexByte(rest, '<')
			if k < 0 {
				return errCodeOther
			}
			v = rest[:k]
		} else {
			rest := b[i+6:]
			k := bytes.IndexByte(rest, '&')
			if k < 0 {
				k = len(rest)
			}
			v = bytes.TrimSpace(rest[:k])
		}
	}
	for idx, c := range ErrorCodes[:errCodeOther] {
		if string(v) == c {
			return idx
		}
	}
	return errCodeOther
}

// netDoer uses net/http with a transport tuned for load: keep-alive,
// MaxIdleConnsPerHost ≥ the number of workers, no compression, no redirects.
type netDoer struct {
	ep     *Endpoint
	client *http.Client
	buf    []byte
}

func newNetDoer(ep *Endpoint, maxConns int) *netDoer {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedTransport == nil || sharedTransport.MaxIdleConnsPerHost < maxConns {
		sharedTransport = &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: ep.Timeout, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        maxConns,
			MaxIdleConnsPerHost: maxConns,
			MaxConnsPerHost:     maxConns,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			TLSClientConfig:     ep.TLS,
			ForceAttemptHTTP2:   false,
		}
	}
	c := &http.Client{Transport: sharedTransport, Timeout: ep.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &netDoer{ep: ep, client: c, buf: make([]byte, 32<<10)}
}

func (d *netDoer) close() {}

func (d *netDoer) do(body []byte) result {
	res := result{code: -1}
	method := d.ep.Method
	if method == "" {
		method = http.MethodPost
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, d.ep.URL.String(), rd)
	if err != nil {
		res.err = err
		return res
	}
	if d.ep.ContentType != "" {
		req.Header.Set("Content-Type", d.ep.ContentType)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "jwtharness")
	for k, vs := range d.ep.Header {
		req.Header[k] = vs
	}
	res.out = int64(len(body))
	resp, err := d.client.Do(req)
	if err != nil {
		res.err = err
		res.timedOut = isTimeout(err)
		return res
	}
	res.status = resp.StatusCode
	lr := io.LimitReader(resp.Body, MaxResponseBytes)
	k, _ := io.ReadFull(lr, d.buf[:keepBytes])
	if resp.StatusCode >= 400 && k > 0 {
		res.code = errorCode(d.buf[:k])
	}
	rest, err := io.CopyBuffer(io.Discard, lr, d.buf)
	resp.Body.Close()
	res.in = int64(k) + rest
	if err != nil {
		res.err = err
		res.timedOut = isTimeout(err)
	}
	return res
}

var (
	sharedMu        sync.Mutex
	sharedTransport *http.Transport
)
