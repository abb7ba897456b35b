package loadreport

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/jwtharness/jwtharness/loadgen"
)

// Merge combines run files made at the same time on several machines into
// one run. It refuses files whose schema, histogram settings, interval,
// algorithm, flow or mode differ. Intervals are aligned by wall clock
// (start truncated to the interval); histograms are merged losslessly per
// (interval, class) and counters summed. The plan's rate and concurrency
// become the sums, and every machine is listed in the header.
func Merge(runs []*loadgen.Run) (*loadgen.Run, error) {
	if len(runs) < 2 {
		return nil, errors.New("merge needs at least two run files")
	}
	first := &runs[0].Header
	seen := map[string]int{}
	for i, r := range runs {
		for _, id := range runIDs(&r.Header) {
			if j, dup := seen[id]; dup {
				return nil, fmt.Errorf("file %d and file %d hold the same run (run ID %s): merging would count it twice", j+1, i+1, id)
			}
			seen[id] = i
		}
	}
	for i, r := range runs[1:] {
		h := &r.Header
		n := i + 2
		switch {
		case h.Schema != first.Schema:
			return nil, fmt.Errorf("file %d: schema %d, file 1: schema %d", n, h.Schema, first.Schema)
		case h.Histogram != first.Histogram:
			return nil, fmt.Errorf("file %d: histogram settings %+v differ from file 1's %+v; histograms cannot be merged", n, h.Histogram, first.Histogram)
		case h.Interval != first.Interval:
			return nil, fmt.Errorf("file %d: interval %s, file 1: %s", n, h.Interval.D(), first.Interval.D())
		case h.Plan.Target != first.Plan.Target:
			return nil, fmt.Errorf("file %d measured target %s, file 1 measured %s: runs of different targets do not merge", n, h.Plan.Target, first.Plan.Target)
		}
		if d := PlanDiff(&first.Plan, &h.Plan); len(d) > 0 {
			return nil, fmt.Errorf("file %d's plan does not match file 1's: %s; merge combines machines running the same plan at the same time", n, strings.Join(d, "; "))
		}
		if err := overlaps(runs[0], r); err != nil {
			return nil, fmt.Errorf("file %d: %w", n, err)
		}
	}
	if err := checkShards(runs); err != nil {
		return nil, err
	}
	out := &loadgen.Run{Header: *first}
	h := &out.Header
	h.Machines = nil
	h.Plan.Rate, h.Plan.Concurrency, h.Plan.MaxInflight, h.Plan.Requests = 0, 0, 0, 0
	h.Classes = nil
	var ids []string
	complete := true
	var warnings, invalid []string
	for i, r := range runs {
		rh := &r.Header
		ids = append(ids, rh.RunID)
		h.Machines = append(h.Machines, machinesWithResults(r)...)
		h.Plan.Rate += rh.Plan.Rate
		h.Plan.Concurrency += rh.Plan.Concurrency
		h.Plan.MaxInflight += rh.Plan.MaxInflight
		h.Plan.Requests += rh.Plan.Requests
		m := rh.Plan.Machines
		if m == 0 {
			m = 1
		}
		h.Plan.Machines += m
		if rh.Start.Before(h.Start) {
			h.Start = rh.Start
		}
		for _, c := range rh.Classes {
			if !containsStr(h.Classes, c) {
				h.Classes = append(h.Classes, c)
			}
		}
		if r.Summary == nil || !r.Summary.Complete {
			complete = false
		}
		if r.Summary != nil {
			for _, w := range r.Summary.Warnings {
				warnings = append(warnings, fmt.Sprintf("file %d: %s", i+1, w))
			}
			for _, w := range r.Summary.Invalid {
				invalid = append(invalid, fmt.Sprintf("file %d: %s", i+1, w))
			}
		}
		if rh.Ceiling != nil && h.Ceiling != nil && rh.Ceiling.AllCores != h.Ceiling.AllCores {
			h.Notes = append(h.Notes, fmt.Sprintf("ceiling of file %d (%s) differs from file 1's; the header keeps file 1's", i+1, rh.Ceiling))
		}
	}
	h.RunID = "merged-" + strings.Join(ids, "+")
	h.Notes = append(h.Notes, fmt.Sprintf("merged from %d run files", len(runs)))
	h.Notes = append(h.Notes, wholeCeiling(h.Machines)...)

	iv := first.Interval.D()
	type key struct {
		slot  int64
		class string
	}
	merged := map[key]*loadgen.IntervalRecord{}
	pairs := map[key]*histPair{}
	for fi, r := range runs {
		for _, rec := range r.Intervals {
			k := key{rec.Start.Truncate(iv).UnixNano(), rec.Class}
			m := merged[k]
			if m == nil {
				c := rec
				c.Counters = loadgen.Counters{}
				merged[k] = &c
				m = &c
				pairs[k] = &histPair{resp: loadgen.NewHistogram(), svc: loadgen.NewHistogram()}
			}
			if rec.Start.Before(m.Start) {
				m.Start = rec.Start
			}
			if rec.End.After(m.End) {
				m.End = rec.End
			}
			m.Counters.Add(&rec.Counters)
			p := pairs[k]
			rh, err := loadgen.DecodeHistogram(rec.Response)
			if err != nil {
				return nil, fmt.Errorf("file %d, interval %s %s: %v", fi+1, rec.Start.Format(time.RFC3339), rec.Class, err)
			}
			sh, err := loadgen.DecodeHistogram(rec.Service)
			if err != nil {
				return nil, fmt.Errorf("file %d, interval %s %s: %v", fi+1, rec.Start.Format(time.RFC3339), rec.Class, err)
			}
			if d := p.resp.Merge(rh) + p.svc.Merge(sh); d != 0 {
				return nil, fmt.Errorf("file %d, interval %s %s: %d values dropped while merging histograms", fi+1, rec.Start.Format(time.RFC3339), rec.Class, d)
			}
		}
	}
	keys := make([]key, 0, len(merged))
	for k := range merged {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].slot != keys[j].slot {
			return keys[i].slot < keys[j].slot
		}
		return keys[i].class < keys[j].class
	})
	var first0, last time.Time
	for _, k := range keys {
		m := merged[k]
		p := pairs[k]
		var err error
		if m.Response, err = loadgen.EncodeHistogram(p.resp); err != nil {
			return nil, err
		}
		if m.Service, err = loadgen.EncodeHistogram(p.svc); err != nil {
			return nil, err
		}
		out.Intervals = append(out.Intervals, *m)
		if first0.IsZero() || m.Start.Before(first0) {
			first0 = m.Start
		}
		if m.End.After(last) {
			last = m.End
		}
	}
	sum, err := loadgen.Summarize(h, out.Intervals, last.Sub(first0))
	if err != nil {
		return nil, err
	}
	sum.Complete = complete
	sum.Warnings = warnings
	sum.Invalid = invalid
	out.Summary = sum
	return out, nil
}

// runIDs are the run IDs a file holds: its own and, for a merged file,
// every machine's.
func runIDs(h *loadgen.Header) []string {
	ids := map[string]bool{}
	var out []string
	add := func(id string) {
		if id != "" && !ids[id] {
			ids[id] = true
			out = append(out, id)
		}
	}
	for _, m := range h.Machines {
		add(m.RunID)
	}
	if len(out) == 0 {
		add(h.RunID)
	}
	return out
}

// PlanDiff lists what differs between two plans, ignoring what several
// machines of one run may split between them (rate, concurrency,
// max in-flight, request count, machines). Alg, flow, mode and model come
// first: they decide whether the figures mean the same thing at all.
func PlanDiff(a, b *loadgen.Plan) []string {
	var d []string
	diff := func(name string, x, y any) {
		if x != y {
			d = append(d, fmt.Sprintf("%s %v vs %v", name, y, x))
		}
	}
	diff("alg", a.Alg, b.Alg)
	diff("flow", a.Flow, b.Flow)
	diff("raw mode", a.Raw, b.Raw)
	diff("model", a.Model, b.Model)
	diff("mix", loadgen.FormatMix(a.Mix), loadgen.FormatMix(b.Mix))
	diff("key size", a.KeySize, b.KeySize)
	diff("method", a.Method, b.Method)
	diff("client", a.Client, b.Client)
	diff("duration", a.Duration.D(), b.Duration.D())
	diff("warm-up", a.Warmup.D(), b.Warmup.D())
	diff("timeout", a.Timeout.D(), b.Timeout.D())
	diff("late after", a.LateAfter.D(), b.LateAfter.D())
	diff("drop after", a.DropAfter.D(), b.DropAfter.D())
	return d
}

// overlaps refuses two runs whose measured windows do not overlap: they
// were not made at the same time, and merged intervals would not be one
// load.
func overlaps(a, b *loadgen.Run) error {
	window := func(r *loadgen.Run) (time.Time, time.Time) {
		start, end := r.Header.Start, r.Header.Start
		if r.Summary != nil && !r.Summary.End.IsZero() {
			end = r.Summary.End
		}
		for _, iv := range r.Intervals {
			if iv.End.After(end) {
				end = iv.End
			}
		}
		return start, end
	}
	as, ae := window(a)
	bs, be := window(b)
	if bs.After(ae) || as.After(be) {
		return fmt.Errorf("measured %s to %s, file 1 %s to %s: the runs were not made at the same time",
			bs.UTC().Format(time.RFC3339), be.UTC().Format(time.RFC3339), as.UTC().Format(time.RFC3339), ae.UTC().Format(time.RFC3339))
	}
	return nil
}

type histPair struct {
	resp, svc *hdrhistogram.Histogram
}

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
