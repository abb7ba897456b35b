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
		code   string
		keep   bool
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, "", true},
		{"error code", "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\ncontent-length: 25\r\n\r\n{\"error\":\"invalid_grant\"}", 400, "invalid_grant", true},
		{"chunked", "HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n1a\r\n{\"error\":\"invalid_client\"}\r\n0\r\n\r\n", 401, "invalid_client", true},
		{"close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", 200, "", false},
		{"http/1.0 until EOF", "HTTP/1.0 503 Service Unavailable\r\n\r\nerror=temporarily_unavailable", 503, "temporarily_unavailable", false},
		{"interim 100", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 204, "", true},
	}
	for _, tc := range cases {
		in := tc.raw
		if tc.keep {
			in += "NEXT" // the next response on a kept-alive connection must stay unread
		}
		br := bufio.NewReader(strings.NewReader(in))
		n, status, code, keep, err := readResponse(br, false)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		got := ""
		if code >= 0 {
			got = ErrorCodes[code]
		}
		if status != tc.status || got != tc.code || keep != tc.keep {
			t.Errorf("%s: status %d code %q keep %v", tc.name, status, got, keep)
		}
		if keep {
			if rest, _ := br.Peek(4); string(rest) != "NEXT" || n != int64(len(tc.raw)) {
				t.Errorf("%s: read %d of %d bytes, next %q", tc.name, n, len(tc.raw), rest)
			}
		}
	}
	for _, bad := range []string{"garbage\r\n\r\n", "HTTP/1.1 999 X\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"} {
		if _, _, _, _, err := readResponse(bufio.NewReader(strings.NewReader(bad)), false); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
