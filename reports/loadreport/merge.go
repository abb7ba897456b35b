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
		case h.Plan.Alg != first.Plan.Alg:
			return nil, fmt.Errorf("file %d: plan alg %q, file 1: %q; runs of different algorithms do not merge", n, h.Plan.Alg, first.Plan.Alg)
		case h.Plan.Flow != first.Plan.Flow:
			return nil, fmt.Errorf("file %d: flow %q, file 1: %q", n, h.Plan.Flow, first.Plan.Flow)
		case h.Plan.Raw != first.Plan.Raw:
			return nil, fmt.Errorf("file %d: raw mode %v, file 1: %v", n, h.Plan.Raw, first.Plan.Raw)
		case h.Plan.Model != first.Plan.Model:
			return nil, fmt.Errorf("file %d: %s model, file 1: %s model", n, h.Plan.Model, first.Plan.Model)
		}
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
		h.Machines = append(h.Machines, rh.Machines...)
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
