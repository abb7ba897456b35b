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
	"strings"
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

// Endpoint is where and how requests are sent.
type Endpoint struct {
	URL         *url.URL
	Method      string      // "POST" (token requests) or anything for raw mode
	ContentType string      // of the body; "" = none
	Header      http.Header // extra request headers (rarely needed)
	TLS         *tls.Config // https; nil = system roots
	Timeout     time.Duration
}

// result is one exchange as a doer saw it, judged.
type result struct {
	Judgement
	status  int
	in, out int64
	err     error // the transport error behind a fault, for messages
}

// doer sends one request body and reads and judges the answer. Not safe
// for concurrent use: one per worker.
type doer interface {
	do(body []byte) result
	close()
}

func newDoer(kind string, ep *Endpoint, maxConns int, raw bool) (doer, error) {
	switch kind {
	case ClientNet:
		return newNetDoer(ep, maxConns, raw), nil
	case ClientFast, "":
		return newFastDoer(ep, raw)
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
	raw     bool      // raw calibration mode: a 2xx needs no token
	ans     answer    // reused: the answer being read
	body    []byte    // reused: the body, up to ReadCap
	ctype   []byte    // reused: the Content-Type value
}

func newFastDoer(ep *Endpoint, raw bool) (*fastDoer, error) {
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
	return &fastDoer{ep: ep, addr: host, https: u.Scheme == "https", head: h.Bytes(), timeout: ep.Timeout, wbuf: make([]byte, 0, 4096),
		raw: raw, body: make([]byte, 0, 4096), ctype: make([]byte, 0, 64)}, nil
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
	res := result{}
	now := time.Now()
	if f.c == nil {
		if err := f.dial(now.Add(f.timeout)); err != nil {
			return f.fail(res, err, faultConnection)
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
			return f.fail(res, err, faultConnection)
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
		return f.fail(res, err, faultConnection)
	}
	a := &f.ans
	*a = answer{body: f.body[:0], contentType: f.ctype[:0]}
	n, keep, err := readResponse(f.br, f.ep.Method == http.MethodHead, a)
	f.body, f.ctype = reuse(a.body), a.contentType[:0]
	res.in = n
	res.status = a.status
	if err != nil {
		f.close()
		if reused && n == 0 && !isTimeout(err) {
			res.err = errStale
			return res
		}
		res.err = err
		a.fault = faultOf(err, n > 0)
	} else if !keep {
		f.close()
	}
	res.Judgement = judge(a, f.raw)
	return res
}

// fail judges an exchange that ended with err before any answer.
func (f *fastDoer) fail(res result, err error, def fault) result {
	res.err = err
	a := answer{fault: def}
	if isTimeout(err) {
		a.fault = faultTimeout
	}
	res.Judgement = judge(&a, f.raw)
	return res
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

var (
	errMalformed = errors.New("malformed HTTP response")
	errTruncated = errors.New("the answer ended before its declared end")
	errOversize  = errors.New("the answer is beyond the read cap")
)

// faultOf maps a read error to its fault. begun says whether any byte of
// the answer had arrived: a connection closed after that is a truncated
// answer, before it a connection failure.
func faultOf(err error, begun bool) fault {
	switch {
	case isTimeout(err):
		return faultTimeout
	case errors.Is(err, errOversize):
		return faultOversize
	case errors.Is(err, errMalformed):
		return faultUnparseable
	case errors.Is(err, errTruncated), errors.Is(err, io.ErrUnexpectedEOF):
		return faultTruncated
	case begun && errors.Is(err, io.EOF):
		return faultTruncated
	}
	return faultConnection
}

// readResponse reads one HTTP/1.x response from br into a: the status,
// the Content-Type and the body, which it keeps up to ReadCap (a longer
// one is errOversize). It returns the bytes read and whether the
// connection can serve another request. Headers are bounded by
// MaxHeaderBytes. 1xx interim answers are skipped.
func readResponse(br *bufio.Reader, head bool, a *answer) (n int64, keep bool, err error) {
	for {
		line, err := br.ReadSlice('\n')
		n += int64(len(line))
		if err != nil {
			if err == bufio.ErrBufferFull {
				return n, false, errMalformed
			}
			if n > 0 && err == io.EOF {
				err = errTruncated
			}
			return n, false, err
		}
		status, ok := statusOf(line)
		if !ok {
			return n, false, errMalformed
		}
		a.status = status
		keep = line[7] == '1' // HTTP/1.1 keeps alive by default
		clen := int64(-1)
		chunked := false
		hdr := int64(len(line))
		a.contentType = a.contentType[:0]
		for {
			h, err := br.ReadSlice('\n')
			n += int64(len(h))
			hdr += int64(len(h))
			if hdr > MaxHeaderBytes {
				return n, false, errOversize
			}
			if err == bufio.ErrBufferFull {
				// An over-long header line: skip the rest of it, within the cap.
				for err == bufio.ErrBufferFull {
					h, err = br.ReadSlice('\n')
					n += int64(len(h))
					hdr += int64(len(h))
					if hdr > MaxHeaderBytes {
						return n, false, errOversize
					}
				}
				if err != nil {
					return n, false, truncated(err)
				}
				continue
			}
			if err != nil {
				return n, false, truncated(err)
			}
			if len(h) <= 2 {
				break
			}
			switch h[0] | 0x20 {
			case 'c':
				if v, ok := headerValue(h, "content-length"); ok {
					clen, err = strconv.ParseInt(string(v), 10, 64)
					if err != nil || clen < 0 {
						return n, false, errMalformed
					}
				} else if v, ok := headerValue(h, "connection"); ok {
					if asciiEqualFold(v, "close") {
						keep = false
					} else if asciiEqualFold(v, "keep-alive") {
						keep = true
					}
				} else if v, ok := headerValue(h, "content-type"); ok && len(v) <= 256 {
					a.contentType = append(a.contentType[:0], v...)
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
			return n, keep, nil
		}
		var bn int64
		switch {
		case chunked:
			bn, err = readChunked(br, a)
			return n + bn, keep && err == nil, err
		case clen > ReadCap:
			return n, false, errOversize
		case clen >= 0:
			bn, err = readN(br, a, int(clen))
			return n + bn, keep && err == nil, err
		default: // until close, bounded
			bn, err = readToEOF(br, a)
			return n + bn, false, err
		}
	}
}

func truncated(err error) error {
	if err == io.EOF {
		return errTruncated
	}
	return err
}

// statusOf reads the status of an "HTTP/1.x NNN ..." line.
func statusOf(line []byte) (int, bool) {
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || (line[7] != '0' && line[7] != '1') || line[8] != ' ' {
		return 0, false
	}
	st := 0
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return 0, false
		}
		st = st*10 + int(c-'0')
	}
	if st < 100 || st > 599 || (len(line) > 12 && line[12] != ' ' && line[12] != '\r' && line[12] != '\n') {
		return 0, false
	}
	return st, true
}

// readN appends exactly k body bytes to a.body (k ≤ ReadCap).
func readN(br *bufio.Reader, a *answer, k int) (int64, error) {
	start := len(a.body)
	a.body = growBody(a.body, k)
	got, err := io.ReadFull(br, a.body[start:start+k])
	a.body = a.body[:start+got]
	if err != nil {
		return int64(got), truncated(err)
	}
	return int64(got), nil
}

func growBody(b []byte, more int) []byte {
	if cap(b)-len(b) >= more {
		return b[:len(b)+more]
	}
	nb := make([]byte, len(b)+more, len(b)+more+len(b)/2)
	copy(nb, b)
	return nb
}

// reuse returns b emptied for the next answer, or a fresh small buffer
// when a large answer grew it: a connection holds at most a few KiB
// between requests, however large the answers it was sent.
func reuse(b []byte) []byte {
	if cap(b) > 16<<10 {
		return make([]byte, 0, 4096)
	}
	return b[:0]
}

// readRoom is the free space of a.body to read into: at least 4 KiB,
// never past ReadCap+1 (one byte over the cap tells oversize).
func readRoom(a *answer) []byte {
	if cap(a.body)-len(a.body) < 4096 {
		a.body = growBody(a.body, 4096)[:len(a.body)]
	}
	end := min(cap(a.body), ReadCap+1)
	return a.body[len(a.body):end]
}

// readToEOF reads a body delimited by the end of the connection, up to
// ReadCap.
func readToEOF(br *bufio.Reader, a *answer) (n int64, err error) {
	for {
		if len(a.body) > ReadCap {
			return n, errOversize
		}
		k, err := br.Read(readRoom(a))
		a.body = a.body[:len(a.body)+k]
		n += int64(k)
		if err == io.EOF {
			if len(a.body) > ReadCap {
				return n, errOversize
			}
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// readChunked reads a chunked body into a.body, up to ReadCap.
func readChunked(br *bufio.Reader, a *answer) (n int64, err error) {
	for {
		line, err := br.ReadSlice('\n')
		n += int64(len(line))
		if err == bufio.ErrBufferFull {
			return n, errMalformed
		}
		if err != nil {
			return n, truncated(err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		size, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil || size < 0 {
			return n, errMalformed
		}
		if size == 0 {
			for { // trailers, bounded like headers
				t, err := br.ReadSlice('\n')
				n += int64(len(t))
				if err == bufio.ErrBufferFull || n > MaxHeaderBytes+ReadCap {
					return n, errOversize
				}
				if err != nil {
					return n, truncated(err)
				}
				if len(t) <= 2 {
					return n, nil
				}
			}
		}
		if int64(len(a.body))+size > ReadCap {
			return n, errOversize
		}
		d, err := readN(br, a, int(size))
		n += d
		if err != nil {
			return n, err
		}
		crlf, err := br.Discard(2)
		n += int64(crlf)
		if err != nil {
			return n, truncated(err)
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

// netDoer uses net/http with a transport tuned for load: keep-alive,
// MaxIdleConnsPerHost ≥ the number of workers, no compression, no
// redirects, headers bounded by MaxHeaderBytes.
type netDoer struct {
	ep     *Endpoint
	client *http.Client
	raw    bool
	body   []byte
}

func newNetDoer(ep *Endpoint, maxConns int, raw bool) *netDoer {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedTransport == nil || sharedTransport.MaxIdleConnsPerHost < maxConns {
		sharedTransport = &http.Transport{
			Proxy:                  nil,
			DialContext:            (&net.Dialer{Timeout: ep.Timeout, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:           maxConns,
			MaxIdleConnsPerHost:    maxConns,
			MaxConnsPerHost:        maxConns,
			IdleConnTimeout:        90 * time.Second,
			DisableCompression:     true,
			TLSClientConfig:        ep.TLS,
			ForceAttemptHTTP2:      false,
			MaxResponseHeaderBytes: MaxHeaderBytes,
		}
	}
	c := &http.Client{Transport: sharedTransport, Timeout: ep.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &netDoer{ep: ep, client: c, raw: raw, body: make([]byte, 0, 4096)}
}

func (d *netDoer) close() {}

func (d *netDoer) do(body []byte) result {
	res := result{}
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
		res.Judgement = judge(&answer{fault: faultConnection}, d.raw)
		return res
	}
	if d.ep.ContentType != "" {
		req.Header.Set("Content-Type", d.ep.ContentType)
		req.Header.Set("Accept", "application/json")
	}
	req.Header.Set("User-Agent", "jwtharness")
	for k, vs := range d.ep.Header {
		req.Header[k] = vs
	}
	res.out = int64(len(body))
	a := answer{body: d.body[:0]}
	res.in, res.err = readNet(d.client, req, &a)
	d.body = reuse(a.body)
	res.status = a.status
	res.Judgement = judge(&a, d.raw)
	return res
}

// readNet sends req with c and reads the answer into a, as readResponse
// does for the lean client: the body kept up to ReadCap, faults named.
func readNet(c *http.Client, req *http.Request, a *answer) (int64, error) {
	resp, err := c.Do(req)
	if err != nil {
		a.fault = netFault(err, false)
		return 0, err
	}
	defer resp.Body.Close()
	a.status = resp.StatusCode
	a.contentType = append(a.contentType[:0], resp.Header.Get("Content-Type")...)
	if resp.ContentLength > ReadCap {
		a.fault = faultOversize
		return 0, errOversize
	}
	var n int64
	for {
		if len(a.body) > ReadCap {
			a.fault = faultOversize
			return n, errOversize
		}
		k, err := resp.Body.Read(readRoom(a))
		a.body = a.body[:len(a.body)+k]
		n += int64(k)
		if err == io.EOF {
			if len(a.body) > ReadCap {
				a.fault = faultOversize
				return n, errOversize
			}
			return n, nil
		}
		if err != nil {
			a.fault = netFault(err, true)
			return n, err
		}
	}
}

// netFault maps a net/http error to its fault, as faultOf does for the
// lean client.
func netFault(err error, begun bool) fault {
	msg := err.Error()
	switch {
	case isTimeout(err):
		return faultTimeout
	case strings.Contains(msg, "server response headers exceeded"):
		return faultOversize
	case strings.Contains(msg, "malformed HTTP"), strings.Contains(msg, "malformed chunked"), strings.Contains(msg, "bogus"),
		strings.Contains(msg, "invalid header"), strings.Contains(msg, "invalid Content-Length"):
		return faultUnparseable
	case errors.Is(err, io.ErrUnexpectedEOF), begun && errors.Is(err, io.EOF):
		return faultTruncated
	}
	return faultConnection
}

var (
	sharedMu        sync.Mutex
	sharedTransport *http.Transport
)
