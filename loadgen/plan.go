package loadgen

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// Model is the load model: open (arrivals on a schedule, independent of
// the answers) or closed (a fixed number of clients, each waiting for its
// answer before sending again).
type Model string

const (
	// ModelOpen sends at Plan.Rate requests per second.
	ModelOpen Model = "open"
	// ModelClosed keeps Plan.Concurrency requests outstanding.
	ModelClosed Model = "closed"
)

// Duration is a time.Duration that reads and writes as "1.5s" in JSON.
type Duration time.Duration

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a Go duration string or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		*d = Duration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("duration: %s is neither a string nor nanoseconds", b)
	}
	*d = Duration(n)
	return nil
}

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Plan is what one run does. It is recorded in the run file header, so it
// holds no secret: the target is an URL, the mix names classes.
type Plan struct {
	Model       Model    `json:"model"`
	Rate        float64  `json:"rate,omitempty"`        // open: requests per second
	Concurrency int      `json:"concurrency,omitempty"` // closed: connections, each one request at a time
	Duration    Duration `json:"duration,omitempty"`    // measured time, after Warmup; 0 = bounded by Requests only
	Requests    int64    `json:"requests,omitempty"`    // measured requests; 0 = bounded by Duration only
	Warmup      Duration `json:"warmup,omitempty"`      // run before measuring, excluded from results
	MaxInflight int      `json:"max_inflight"`          // open: connections, hence the bound on outstanding requests
	Timeout     Duration `json:"timeout"`               // per request (fast client: enforced between 0.9× and 1×)
	LateAfter   Duration `json:"late_after"`            // open: sent later than this behind schedule counts late
	DropAfter   Duration `json:"drop_after"`            // open: later than this behind schedule is not sent (dropped)
	Interval    Duration `json:"interval"`              // recording interval, 1s

	Target   string     `json:"target"`             // endpoint URL
	Flow     string     `json:"flow,omitempty"`     // fixtures.Flow
	Alg      string     `json:"alg,omitempty"`      // signing algorithm
	KeySize  int        `json:"key_size,omitempty"` // RSA bits of the embedded server's key, when known
	Raw      bool       `json:"raw,omitempty"`      // calibration: a fixed request, no assertion
	Method   string     `json:"method,omitempty"`   // raw mode: HTTP method
	Client   string     `json:"client,omitempty"`   // "fast" (lean HTTP/1.1) or "net" (net/http)
	Mix      []MixEntry `json:"mix,omitempty"`
	Machines int        `json:"machines,omitempty"` // set by merge: how many run files were combined
}

// Defaults fills the zero fields that have a default.
func (p *Plan) Defaults() {
	if p.Interval == 0 {
		p.Interval = Duration(time.Second)
	}
	if p.Timeout == 0 {
		p.Timeout = Duration(10 * time.Second)
	}
	if p.LateAfter == 0 {
		p.LateAfter = Duration(10 * time.Millisecond)
	}
	if p.DropAfter == 0 {
		p.DropAfter = Duration(time.Second)
	}
	if p.Client == "" {
		p.Client = ClientFast
	}
	if p.MaxInflight == 0 {
		switch p.Model {
		case ModelClosed:
			p.MaxInflight = p.Concurrency
		default:
			p.MaxInflight = 256
		}
	}
	if len(p.Mix) == 0 && !p.Raw {
		p.Mix = []MixEntry{{Name: ClassValid, Weight: 1}}
	}
	if p.Raw && len(p.Mix) == 0 {
		p.Mix = []MixEntry{{Name: ClassRaw, Weight: 1}}
	}
}

// MaxScheduleRate is the highest rate Validate accepts whatever --max-rate
// says: a schedule's slot numbers must fit an int64 over any duration.
const MaxScheduleRate = 1e12

// Validate refuses plans that are unbounded or contradictory.
func (p *Plan) Validate() error {
	switch p.Model {
	case ModelOpen:
		if !(p.Rate > 0) || math.IsInf(p.Rate, 0) {
			return errors.New("open model needs a rate > 0 (--rate N/s)")
		}
		if p.Rate > MaxScheduleRate {
			return fmt.Errorf("rate %g/s is beyond what a schedule can hold (%g/s)", p.Rate, float64(MaxScheduleRate))
		}
		if p.Concurrency != 0 {
			return errors.New("choose one model: --rate (open) or --concurrency (closed), not both")
		}
	case ModelClosed:
		if p.Concurrency <= 0 {
			return errors.New("closed model needs a concurrency > 0 (--concurrency N)")
		}
	default:
		return fmt.Errorf("unknown model %q: give --rate N/s (open) or --concurrency N (closed)", p.Model)
	}
	if p.Duration <= 0 && p.Requests <= 0 {
		return errors.New("refusing an unbounded run: give --duration and/or --requests")
	}
	if p.Duration < 0 || p.Requests < 0 || p.Warmup < 0 {
		return errors.New("duration, requests and warmup must not be negative")
	}
	if p.MaxInflight <= 0 {
		return errors.New("max-inflight must be > 0")
	}
	if p.Model == ModelClosed && p.MaxInflight < p.Concurrency {
		return fmt.Errorf("max-inflight %d is below concurrency %d", p.MaxInflight, p.Concurrency)
	}
	if p.Interval.D() < 10*time.Millisecond {
		return errors.New("interval must be at least 10ms")
	}
	if p.Client != ClientFast && p.Client != ClientNet {
		return fmt.Errorf("client %q: want %q or %q", p.Client, ClientFast, ClientNet)
	}
	if len(p.Mix) == 0 {
		return errors.New("empty mix")
	}
	return nil
}

// ExpectedTotal is Expected plus the warm-up's requests: what a pool must
// supply. 0 when unknown (closed model bounded by time, or with a warm-up).
func (p *Plan) ExpectedTotal() int64 {
	n := p.Expected()
	if n == 0 || p.Warmup == 0 {
		return n
	}
	if p.Model == ModelOpen {
		return n + Pacer{Rate: p.Rate}.Count(p.Warmup.D())
	}
	return 0
}

// Expected returns the number of measured requests the plan schedules, or
// 0 when that is not known in advance (closed model bounded by time).
func (p *Plan) Expected() int64 {
	switch {
	case p.Model == ModelOpen && p.Duration > 0:
		n := int64(p.Rate * p.Duration.D().Seconds())
		if p.Requests > 0 && p.Requests < n {
			return p.Requests
		}
		return n
	default:
		return p.Requests
	}
}
