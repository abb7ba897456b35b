package loadgen

import (
	"bufio"
	"strings"
	"testing"
)

func TestReadResponse(t *testing.T) {
	cases := []struct {
		name   string
		raw    string
		status int
		body   string
		ctype  string
		keep   bool
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, "hello", "", true},
		{"content type kept", "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\ncontent-length: 25\r\n\r\n{\"error\":\"invalid_grant\"}", 400, `{"error":"invalid_grant"}`, "application/json", true},
		{"chunked", "HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n1a\r\n{\"error\":\"invalid_client\"}\r\n0\r\n\r\n", 401, `{"error":"invalid_client"}`, "", true},
		{"close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", 200, "ok", "", false},
		{"http/1.0 until EOF", "HTTP/1.0 503 Service Unavailable\r\n\r\nerror=temporarily_unavailable", 503, "error=temporarily_unavailable", "", false},
		{"interim 100", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 204, "", "", true},
	}
	for _, tc := range cases {
		in := tc.raw
		if tc.keep {
			in += "NEXT" // the next response on a kept-alive connection must stay unread
		}
		br := bufio.NewReader(strings.NewReader(in))
		var a answer
		n, keep, err := readResponse(br, false, &a)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if a.status != tc.status || string(a.body) != tc.body || string(a.contentType) != tc.ctype || keep != tc.keep {
			t.Errorf("%s: status %d body %q type %q keep %v", tc.name, a.status, a.body, a.contentType, keep)
		}
		if keep {
			if rest, _ := br.Peek(4); string(rest) != "NEXT" || n != int64(len(tc.raw)) {
				t.Errorf("%s: read %d of %d bytes, next %q", tc.name, n, len(tc.raw), rest)
			}
		}
	}
	bad := map[string]fault{
		"garbage\r\n\r\n":                                                           faultUnparseable,
		"HTTP/1.1 999 X\r\n\r\n":                                                    faultUnparseable,
		"HTTP/1.1 2x0 OK\r\n\r\n":                                                   faultUnparseable,
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n":                             faultUnparseable,
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc":                          faultTruncated,
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n":                       faultOversize,
		"HTTP/1.1 200 OK\r\nContent-Le":                                             faultTruncated,
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n":               faultUnparseable,
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab":              faultTruncated,
		"HTTP/1.1 200 OK\r\n\r\n" + strings.Repeat("a", ReadCap+1):                  faultOversize,
		"HTTP/1.1 200 OK\r\nX: " + strings.Repeat("h", MaxHeaderBytes) + "\r\n\r\n": faultOversize,
	}
	for raw, want := range bad {
		var a answer
		n, _, err := readResponse(bufio.NewReader(strings.NewReader(raw)), false, &a)
		if err == nil {
			t.Errorf("%.40q accepted", raw)
			continue
		}
		if got := faultOf(err, n > 0); got != want {
			t.Errorf("%.40q: fault %d, want %d (%v)", raw, got, want, err)
		}
	}
}
