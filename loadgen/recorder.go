package loadgen

import (
	"sort"
	"strconv"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram settings shared by every run file; merge refuses files whose
// settings differ.
const (
	HistLowest  = 1          // 1 µs
	HistHighest = 60_000_000 // 60 s in µs
	HistSigFigs = 3
)

// HistogramSettings describes how the run file's histograms were built.
type HistogramSettings struct {
	Unit    string `json:"unit"` // "us"
	Lowest  int64  `json:"lowest"`
	Highest int64  `json:"highest"`
	SigFigs int    `json:"significant_figures"`
}

// DefaultHistogramSettings are the settings NewHistogram uses.
var DefaultHistogramSettings = HistogramSettings{Unit: "us", Lowest: HistLowest, Highest: HistHighest, SigFigs: HistSigFigs}

// NewHistogram returns an empty histogram with the run file settings.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(HistLowest, HistHighest, HistSigFigs)
}

// Counters are what the recorder counts per class and interval.
type Counters struct {
	Scheduled   int64            `json:"scheduled"`        // reached its intended send time
	Sent        int64            `json:"sent"`             // written to the endpoint
	Late        int64            `json:"late"`             // sent > LateAfter behind schedule
	Dropped     int64            `json:"dropped"`          // not sent: > DropAfter behind schedule
	Issued      int64            `json:"issued"`           // 2xx carrying a token
	Rejected    int64            `json:"rejected"`         // 4xx carrying an RFC 6749 error body
	ServerError int64            `json:"server_error"`     // 5xx
	OtherStatus int64            `json:"other_status"`     // 1xx/3xx
	NotToken    int64            `json:"not_token"`        // 2xx whose body is not a token
	Unparseable int64            `json:"unparseable"`      // not HTTP, or a 4xx without an RFC 6749 error body
	Truncated   int64            `json:"truncated"`        // answer cut short
	Oversize    int64            `json:"oversize"`         // answer beyond the read cap
	Timeouts    int64            `json:"timeouts"`         // no answer in time
	ConnErrors  int64            `json:"conn_errors"`      // transport failures
	Unexpected  int64            `json:"unexpected"`       // a token or a refusal, but not what the class expects (valid refused, mutation issued)
	BytesIn     int64            `json:"bytes_in"`         // response bytes (headers + body)
	BytesOut    int64            `json:"bytes_out"`        // request bytes
	Status      map[string]int64 `json:"status,omitempty"` // HTTP status → count
	ErrorCodes  map[string]int64 `json:"error_codes,omitempty"`
}

// Answered counts requests that got a complete HTTP answer.
func (c *Counters) Answered() int64 {
	return c.Issued + c.Rejected + c.ServerError + c.OtherStatus + c.NotToken
}

// AsExpected counts answers that are what the class expects: a token for
// a valid assertion, an RFC 6749 refusal for a mutation.
func (c *Counters) AsExpected() int64 { return c.Issued + c.Rejected - c.Unexpected }

// Errors counts failed requests: every fault (timeout, connection,
// truncated, oversize, unparseable), 5xx, 1xx/3xx, 2xx that are not a
// token, and tokens or refusals the class did not expect.
func (c *Counters) Errors() int64 {
	return c.Timeouts + c.ConnErrors + c.Truncated + c.Oversize + c.Unparseable +
		c.ServerError + c.OtherStatus + c.NotToken + c.Unexpected
}

// Add adds o into c.
func (c *Counters) Add(o *Counters) {
	c.Scheduled += o.Scheduled
	c.Sent += o.Sent
	c.Late += o.Late
	c.Dropped += o.Dropped
	c.Issued += o.Issued
	c.Rejected += o.Rejected
	c.ServerError += o.ServerError
	c.OtherStatus += o.OtherStatus
	c.NotToken += o.NotToken
	c.Unparseable += o.Unparseable
	c.Truncated += o.Truncated
	c.Oversize += o.Oversize
	c.Timeouts += o.Timeouts
	c.ConnErrors += o.ConnErrors
	c.Unexpected += o.Unexpected
	c.BytesIn += o.BytesIn
	c.BytesOut += o.BytesOut
	c.Status = addMap(c.Status, o.Status)
	c.ErrorCodes = addMap(c.ErrorCodes, o.ErrorCodes)
}

func addMap(dst, src map[string]int64) map[string]int64 {
	if len(src) == 0 {
		return dst
	}
	if dst == nil {
		dst = make(map[string]int64, len(src))
	}
	for k, v := range src {
		dst[k] += v
	}
	return dst
}

// rawCounters is the allocation-free hot-path form of Counters.
type rawCounters struct {
	scheduled, sent, late, dropped                  int64
	issued, rejected, server, other, timeouts, conn int64
	notToken, unparseable, truncated, oversize      int64
	unexpected, bytesIn, bytesOut                   int64
	status                                          [600]int64
	codes                                           [11]int64
}

func (r *rawCounters) addTo(c *Counters) {
	c.Scheduled += r.scheduled
	c.Sent += r.sent
	c.Late += r.late
	c.Dropped += r.dropped
	c.Issued += r.issued
	c.Rejected += r.rejected
	c.ServerError += r.server
	c.OtherStatus += r.other
	c.NotToken += r.notToken
	c.Unparseable += r.unparseable
	c.Truncated += r.truncated
	c.Oversize += r.oversize
	c.Timeouts += r.timeouts
	c.ConnErrors += r.conn
	c.Unexpected += r.unexpected
	c.BytesIn += r.bytesIn
	c.BytesOut += r.bytesOut
	for s, n := range r.status {
		if n != 0 {
			if c.Status == nil {
				c.Status = map[string]int64{}
			}
			c.Status[strconv.Itoa(s)] += n
		}
	}
	for i, n := range r.codes {
		if n != 0 {
			if c.ErrorCodes == nil {
				c.ErrorCodes = map[string]int64{}
			}
			c.ErrorCodes[ErrorCodes[i]] += n
		}
	}
}

type classAcc struct {
	resp, svc *hdrhistogram.Histogram
	c         rawCounters
}

func newClassAccs(n int) []classAcc {
	a := make([]classAcc, n)
	for i := range a {
		a[i].resp, a[i].svc = NewHistogram(), NewHistogram()
	}
	return a
}

type shard struct {
	mu     sync.Mutex
	active int
	sets   [2][]classAcc
	_      [64]byte
}

// Recorder aggregates samples into per-class, per-interval HDR histograms
// and counters. Record is safe for concurrent use; writers pass a shard
// number (their worker id) to spread lock traffic. Memory does not grow
// with the number of requests: interval histograms are reused.
type Recorder struct {
	classes []string
	expect  []bool // class expects a token
	shards  []*shard
	total   []ClassTotal
	mu      sync.Mutex // Flush
}

// ClassTotal is a class's run-long aggregate.
type ClassTotal struct {
	Class    string
	Counters Counters
	Response *hdrhistogram.Histogram
	Service  *hdrhistogram.Histogram
}

// NewRecorder makes a recorder for the mix with n shards.
func NewRecorder(mix []MixEntry, n int) *Recorder {
	if n < 1 {
		n = 1
	}
	r := &Recorder{}
	for _, e := range mix {
		r.classes = append(r.classes, e.Name)
		r.expect = append(r.expect, e.ExpectIssued())
		r.total = append(r.total, ClassTotal{Class: e.Name, Response: NewHistogram(), Service: NewHistogram()})
	}
	for i := 0; i < n; i++ {
		s := &shard{}
		s.sets[0], s.sets[1] = newClassAccs(len(mix)), newClassAccs(len(mix))
		r.shards = append(r.shards, s)
	}
	return r
}

// Classes returns the class names in mix order.
func (r *Recorder) Classes() []string { return r.classes }

func toMicros(d time.Duration) int64 {
	us := int64(d / time.Microsecond)
	if us < HistLowest {
		return HistLowest
	}
	if us > HistHighest {
		return HistHighest
	}
	return us
}

// Record adds one sample.
func (r *Recorder) Record(shardID int, s *Sample) {
	sh := r.shards[shardID%len(r.shards)]
	sh.mu.Lock()
	a := &sh.sets[sh.active][s.Class]
	c := &a.c
	c.scheduled++
	c.sent++
	if s.Late {
		c.late++
	}
	c.bytesOut += s.BytesOut
	c.bytesIn += s.BytesIn
	switch s.Outcome {
	case OutcomeIssued:
		c.issued++
	case OutcomeRejected:
		c.rejected++
	case OutcomeServerError:
		c.server++
	case OutcomeOtherStatus:
		c.other++
	case OutcomeNotToken:
		c.notToken++
	case OutcomeUnparseable:
		c.unparseable++
	case OutcomeTruncated:
		c.truncated++
	case OutcomeOversize:
		c.oversize++
	case OutcomeTimeout:
		c.timeouts++
	case OutcomeConnError:
		c.conn++
	}
	if s.Status > 0 && s.Status < len(c.status) {
		c.status[s.Status]++
	}
	if s.ErrorCode >= 0 && s.ErrorCode < len(c.codes) {
		c.codes[s.ErrorCode]++
	}
	if s.Outcome.answered() {
		// Only a token or a refusal can be unexpected; every other answer
		// is an error of its own kind already.
		if (s.Outcome == OutcomeIssued && !r.expect[s.Class]) || (s.Outcome == OutcomeRejected && r.expect[s.Class]) {
			c.unexpected++
		}
		a.resp.RecordValue(toMicros(s.Done.Sub(s.Intended)))
		a.svc.RecordValue(toMicros(s.Done.Sub(s.Sent)))
	} else if s.Outcome == OutcomeTimeout {
		// A timeout is a latency too: at least the timeout. Recording it
		// keeps the tail honest.
		a.resp.RecordValue(toMicros(s.Done.Sub(s.Intended)))
		a.svc.RecordValue(toMicros(s.Done.Sub(s.Sent)))
	}
	sh.mu.Unlock()
}

// Dropped counts a request that was scheduled but not sent because it was
// more than DropAfter behind schedule.
func (r *Recorder) Dropped(shardID, class int) {
	sh := r.shards[shardID%len(r.shards)]
	sh.mu.Lock()
	c := &sh.sets[sh.active][class].c
	c.scheduled++
	c.dropped++
	sh.mu.Unlock()
}

// DroppedN counts n requests of class that were scheduled but not sent.
func (r *Recorder) DroppedN(shardID, class int, n int64) {
	if n <= 0 {
		return
	}
	sh := r.shards[shardID%len(r.shards)]
	sh.mu.Lock()
	c := &sh.sets[sh.active][class].c
	c.scheduled += n
	c.dropped += n
	sh.mu.Unlock()
}

// IntervalRecord is one class during one interval: a run file line.
type IntervalRecord struct {
	Type     string    `json:"type"` // "interval"
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Class    string    `json:"class"`
	Counters Counters  `json:"counters"`
	// Response (from intended send time) and Service (from actual send)
	// are HDR histograms in µs, hdrhistogram-go Encode V2 compressed, base64.
	Response string `json:"response_hist"`
	Service  string `json:"service_hist"`
}

// Flush closes the interval [start, end): it swaps every shard's active
// set, merges the retired sets per class into interval histograms, adds
// them to the run totals, and returns one record per class that saw
// traffic. Histograms are reset and reused.
func (r *Recorder) Flush(start, end time.Time) ([]IntervalRecord, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.classes)
	resp, svc := make([]*hdrhistogram.Histogram, n), make([]*hdrhistogram.Histogram, n)
	ctrs := make([]Counters, n)
	for i := range resp {
		resp[i], svc[i] = NewHistogram(), NewHistogram()
	}
	for _, sh := range r.shards {
		sh.mu.Lock()
		old := sh.active
		sh.active = 1 - old
		sh.mu.Unlock()
		set := sh.sets[old]
		for k := range set {
			a := &set[k]
			if a.c.scheduled == 0 {
				continue
			}
			resp[k].Merge(a.resp)
			svc[k].Merge(a.svc)
			a.c.addTo(&ctrs[k])
			a.resp.Reset()
			a.svc.Reset()
			a.c = rawCounters{}
		}
	}
	var out []IntervalRecord
	for k := range resp {
		if ctrs[k].Scheduled == 0 {
			continue
		}
		r.total[k].Counters.Add(&ctrs[k])
		r.total[k].Response.Merge(resp[k])
		r.total[k].Service.Merge(svc[k])
		re, err := EncodeHistogram(resp[k])
		if err != nil {
			return nil, err
		}
		se, err := EncodeHistogram(svc[k])
		if err != nil {
			return nil, err
		}
		out = append(out, IntervalRecord{Type: "interval", Start: start, End: end, Class: r.classes[k], Counters: ctrs[k], Response: re, Service: se})
	}
	return out, nil
}

// Totals returns the run-long aggregates per class (after the last Flush).
func (r *Recorder) Totals() []ClassTotal {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]ClassTotal, len(r.total))
	for i, t := range r.total {
		out[i] = ClassTotal{Class: t.Class, Counters: t.Counters, Response: t.Response.Clone(), Service: t.Service.Clone()}
		out[i].Counters.Status = addMap(nil, t.Counters.Status)
		out[i].Counters.ErrorCodes = addMap(nil, t.Counters.ErrorCodes)
	}
	return out
}

// EncodeHistogram encodes h losslessly (V2 compressed, base64).
func EncodeHistogram(h *hdrhistogram.Histogram) (string, error) {
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	return string(b), err
}

// DecodeHistogram is the inverse of EncodeHistogram; "" is an empty histogram.
func DecodeHistogram(s string) (*hdrhistogram.Histogram, error) {
	if s == "" {
		return NewHistogram(), nil
	}
	return hdrhistogram.Decode([]byte(s))
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]int64) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}
