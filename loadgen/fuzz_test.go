package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzReadResponse feeds arbitrary bytes to the lean client's HTTP/1.x
// response parser and judges the result: it must never panic, never keep
// more than ReadCap body bytes, never claim more bytes than it was given,
// and every answer that is not issued must say why.
//
//	go test ./loadgen -run '^$' -fuzz '^FuzzReadResponse$' -fuzztime 10s
func FuzzReadResponse(f *testing.F) {
	for _, tc := range classificationTable {
		f.Add([]byte(tc.answer), false)
	}
	f.Add([]byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"), false)
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), true)
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nTrailer: 1\r\n\r\n"), false)
	f.Fuzz(func(t *testing.T, in []byte, head bool) {
		var a answer
		n, keep, err := readResponse(bufio.NewReaderSize(bytes.NewReader(in), 16<<10), head, &a)
		if n > int64(len(in)) {
			t.Fatalf("read %d bytes of %d", n, len(in))
		}
		if len(a.body) > ReadCap+1 {
			t.Fatalf("kept %d body bytes, cap %d", len(a.body), ReadCap)
		}
		if err != nil {
			if keep {
				t.Fatal("a failed read keeps the connection")
			}
			a.fault = faultOf(err, n > 0)
			if a.fault == faultNone {
				t.Fatalf("error %v maps to no fault", err)
			}
		} else if len(a.body) > ReadCap {
			t.Fatalf("accepted a %d-byte body over the cap", len(a.body))
		}
		for _, raw := range []bool{false, true} {
			j := judge(&a, raw)
			if j.Outcome != OutcomeIssued && j.Why == "" {
				t.Fatalf("outcome %d without a reason", j.Outcome)
			}
			if j.Code >= len(ErrorCodes) {
				t.Fatalf("error code index %d", j.Code)
			}
			if j.Outcome == OutcomeIssued && err != nil {
				t.Fatalf("issued after a read error %v", err)
			}
		}
	})
}

// FuzzReadRun feeds arbitrary bytes to the run-file reader: it must never
// panic, and whatever it accepts has a header and decodable histograms
// (so every renderer can use them).
//
//	go test ./loadgen -run '^$' -fuzz '^FuzzReadRun$' -fuzztime 10s
func FuzzReadRun(f *testing.F) {
	f.Add([]byte(`{"type":"header","schema":2,"run_id":"a","plan":{"model":"open"}}` + "\n" +
		`{"type":"interval","class":"valid","counters":{"sent":1},"response_hist":"","service_hist":""}` + "\n" +
		`{"type":"summary","classes":[],"all":{"class":"all"}}` + "\n"))
	f.Add([]byte(`{"type":"header","schema":1}`))
	f.Add([]byte(`{"type":"summary"}`))
	f.Add([]byte("not json\n"))
	f.Add([]byte(`{"type":"header","schema":2}` + "\n" + `{"type":"interval","response_hist":"HISTFAAAACl4nJNpmSzMwMDAxMDAwMQ"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		run, err := ReadRun(bytes.NewReader(in))
		if err != nil && !errors.Is(err, ErrIncomplete) {
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("error is neither corrupt nor incomplete: %v", err)
			}
			if strings.TrimSpace(ce.Reason) == "" {
				t.Fatal("corrupt without a reason")
			}
			return
		}
		if run == nil || run.Header.Type != "header" {
			t.Fatal("accepted without a header")
		}
		if errors.Is(err, ErrIncomplete) != (run.Summary == nil) {
			t.Fatal("ErrIncomplete and the summary disagree")
		}
		for _, iv := range run.Intervals {
			if _, err := DecodeHistogram(iv.Response); err != nil {
				t.Fatalf("accepted an undecodable histogram: %v", err)
			}
		}
		if _, err := Summarize(&run.Header, run.Intervals, 0); err != nil && !strings.Contains(err.Error(), "out of histogram range") {
			t.Fatalf("accepted intervals do not summarize: %v", err)
		}
	})
}
