package loadgen

import (
	"bufio"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawServer is a loopback server that answers every request on a
// connection with the same bytes, then does what after says: "" keep the
// connection, "close" close it, "stall" keep it open and silent.
type rawServer struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
}

func startRaw(t *testing.T, answer, after string) *url.URL {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				br := bufio.NewReader(c)
				for {
					if err := skipRequest(br); err != nil {
						c.Close()
						return
					}
					if _, err := io.WriteString(c, answer); err != nil {
						c.Close()
						return
					}
					switch after {
					case "close":
						c.Close()
						return
					case "stall":
						return // left open until the test ends
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	u, _ := url.Parse("http://" + ln.Addr().String() + "/token")
	return u
}

// skipRequest reads one HTTP/1.1 request (headers and a Content-Length body).
func skipRequest(br *bufio.Reader) error {
	clen := 0
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		if line == "\r\n" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "content-length") {
			clen, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	_, err := br.Discard(clen)
	return err
}

func httpAnswer(status, ctype, body string) string {
	h := "HTTP/1.1 " + status + "\r\n"
	if ctype != "" {
		h += "Content-Type: " + ctype + "\r\n"
	}
	return h + "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

// classificationTable is the one table both HTTP clients are held to: the
// same answer must count the same whichever client read it.
var classificationTable = []struct {
	name   string
	answer string
	after  string
	want   Outcome
	code   string
}{
	{"json token", httpAnswer("200 OK", "application/json", `{"access_token":"abc","token_type":"Bearer","expires_in":300}`), "", OutcomeIssued, ""},
	{"json token, charset", httpAnswer("200 OK", "application/json; charset=utf-8", `{"token_type":"N_A","access_token":"x"}`), "", OutcomeIssued, ""},
	{"urlencoded token", httpAnswer("200 OK", "application/x-www-form-urlencoded", `access_token=abc&token_type=Bearer`), "", OutcomeIssued, ""},
	{"xml token", httpAnswer("200 OK", "application/xml", `<r><access_token>abc</access_token><token_type>Bearer</token_type></r>`), "", OutcomeIssued, ""},
	{"json token, no content type (sniffed)", httpAnswer("200 OK", "", `{"access_token":"abc","token_type":"Bearer"}`), "", OutcomeIssued, ""},
	{"chunked token", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"access_token\":\r\n1c\r\n\"abc\",\"token_type\":\"Bearer\"}\r\n0\r\n\r\n", "", OutcomeIssued, ""},
	{"token until close", "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"access_token\":\"abc\",\"token_type\":\"Bearer\"}", "close", OutcomeIssued, ""},
	{"2xx invalid json", httpAnswer("200 OK", "application/json", `{"access_token":"abc",`), "", OutcomeNotToken, ""},
	{"2xx aaaa", httpAnswer("200 OK", "application/json", strings.Repeat("a", 4096)), "", OutcomeNotToken, ""},
	{"2xx empty", httpAnswer("200 OK", "application/json", ``), "", OutcomeNotToken, ""},
	{"2xx no token_type", httpAnswer("200 OK", "application/json", `{"access_token":"abc"}`), "", OutcomeNotToken, ""},
	{"2xx empty access_token", httpAnswer("200 OK", "application/json", `{"access_token":"","token_type":"Bearer"}`), "", OutcomeNotToken, ""},
	{"2xx numeric access_token", httpAnswer("200 OK", "application/json", `{"access_token":42,"token_type":"Bearer"}`), "", OutcomeNotToken, ""},
	{"2xx wrong-case names", httpAnswer("200 OK", "application/json", `{"ACCESS_TOKEN":"abc","Token_Type":"Bearer"}`), "", OutcomeNotToken, ""},
	{"2xx json array", httpAnswer("200 OK", "application/json", `[{"access_token":"abc","token_type":"Bearer"}]`), "", OutcomeNotToken, ""},
	{"2xx html", httpAnswer("200 OK", "text/html", `<html><body>welcome</body></html>`), "", OutcomeNotToken, ""},
	{"2xx ok text", httpAnswer("200 OK", "text/plain", `OK`), "", OutcomeNotToken, ""},
	{"2xx error body", httpAnswer("200 OK", "application/json", `{"error":"invalid_grant"}`), "", OutcomeNotToken, "invalid_grant"},
	{"refusal json", httpAnswer("400 Bad Request", "application/json", `{"error":"invalid_grant","error_description":"exp"}`), "", OutcomeRejected, "invalid_grant"},
	{"refusal urlencoded", httpAnswer("401 Unauthorized", "application/x-www-form-urlencoded", `error=invalid_client`), "", OutcomeRejected, "invalid_client"},
	{"refusal xml", httpAnswer("400 Bad Request", "application/xml", `<e><error>invalid_request</error></e>`), "", OutcomeRejected, "invalid_request"},
	{"refusal unknown code", httpAnswer("400 Bad Request", "application/json", `{"error":"nope"}`), "", OutcomeRejected, "other"},
	{"4xx html", httpAnswer("403 Forbidden", "text/html", `<html>denied</html>`), "", OutcomeUnparseable, ""},
	{"4xx empty", httpAnswer("401 Unauthorized", "", ``), "", OutcomeUnparseable, ""},
	{"4xx json without error", httpAnswer("400 Bad Request", "application/json", `{"message":"bad"}`), "", OutcomeUnparseable, ""},
	{"5xx", httpAnswer("500 Internal Server Error", "text/plain", `boom`), "", OutcomeServerError, ""},
	{"5xx with code", httpAnswer("503 Service Unavailable", "application/json", `{"error":"temporarily_unavailable"}`), "", OutcomeServerError, "temporarily_unavailable"},
	{"redirect", "HTTP/1.1 302 Found\r\nLocation: /token\r\nContent-Length: 0\r\n\r\n", "", OutcomeOtherStatus, ""},
	{"garbage", "this is not http\r\n\r\n", "close", OutcomeUnparseable, ""},
	{"truncated body", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"access_token\":\"abc\",", "close", OutcomeTruncated, ""},
	{"truncated chunk", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n{\"access_token\"", "close", OutcomeTruncated, ""},
	{"oversize body", httpAnswer("200 OK", "application/json", `{"access_token":"`+strings.Repeat("a", ReadCap)+`","token_type":"Bearer"}`), "", OutcomeOversize, ""},
	{"oversize until close", "HTTP/1.0 200 OK\r\n\r\n" + strings.Repeat("a", ReadCap+10), "close", OutcomeOversize, ""},
	{"oversize header", "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("h", MaxHeaderBytes+10) + "\r\nContent-Length: 0\r\n\r\n", "", OutcomeOversize, ""},
	{"closed without answer", "", "close", OutcomeConnError, ""},
	{"headers then stall", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"access", "stall", OutcomeTimeout, ""},
	{"never answers", "", "stall", OutcomeTimeout, ""},
}

// TestClientsClassifyAlike runs every row of classificationTable through
// the lean client and net/http: both must count it as the row says.
func TestClientsClassifyAlike(t *testing.T) {
	for _, tc := range classificationTable {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := startRaw(t, tc.answer, tc.after)
			ep := &Endpoint{URL: u, ContentType: "application/x-www-form-urlencoded", Timeout: 300 * time.Millisecond}
			for _, kind := range []string{ClientFast, ClientNet} {
				d, err := newDoer(kind, ep, 1, false)
				if err != nil {
					t.Fatal(err)
				}
				r := d.do([]byte("grant_type=x"))
				d.close()
				code := ""
				if r.Code >= 0 {
					code = ErrorCodes[r.Code]
				}
				if r.Outcome != tc.want || code != tc.code {
					t.Errorf("%s client: outcome %d code %q (%s; err %v), want %d %q", kind, r.Outcome, code, r.Why, r.err, tc.want, tc.code)
				}
				if r.Outcome != OutcomeIssued && r.Why == "" {
					t.Errorf("%s client: outcome %d without a reason", kind, r.Outcome)
				}
			}
		})
	}
}

// TestPreflightNamesWhatIsWrong: the pre-flight judges as the run does and
// says why, never showing a token value.
func TestPreflightNamesWhatIsWrong(t *testing.T) {
	cases := []struct {
		answer, after, want string
	}{
		{httpAnswer("200 OK", "application/json", `{"access_token":"s3cret"}`), "", "token_type"},
		{httpAnswer("200 OK", "application/json", `not json`), "", "not valid JSON"},
		{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{", "close", "ended before"},
		{httpAnswer("401 Unauthorized", "application/json", `{"error":"invalid_client"}`), "", "401"},
		{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{", "stall", "timeout"},
	}
	for _, tc := range cases {
		u := startRaw(t, tc.answer, tc.after)
		err := Preflight(t.Context(), &Endpoint{URL: u, ContentType: "application/x-www-form-urlencoded", Timeout: 300 * time.Millisecond}, []byte("x=1"), false)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.50q: %v, want it to mention %q", tc.answer, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("pre-flight error shows a token value: %v", err)
		}
	}
	ok := startRaw(t, httpAnswer("200 OK", "application/json", `{"access_token":"a","token_type":"Bearer"}`), "")
	if err := Preflight(t.Context(), &Endpoint{URL: ok, ContentType: "application/x-www-form-urlencoded", Timeout: time.Second}, []byte("x=1"), false); err != nil {
		t.Errorf("a token answer failed the pre-flight: %v", err)
	}
}
