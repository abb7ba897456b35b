package loadreport

import (
	"fmt"
	"html"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/jwtharness/jwtharness/loadgen"
)

var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"}

type point struct{ x, y float64 }

type series struct {
	name   string
	color  string
	points []point
	dash   bool
}

type axis struct {
	label string
	fmt   func(float64) string
	ticks []float64 // optional fixed ticks (x)
	log   bool
}

// niceTicks returns about n round tick values from 0 to at least max.
func niceTicks(max float64, n int) []float64 {
	if max <= 0 || math.IsNaN(max) || math.IsInf(max, 0) {
		max = 1
	}
	raw := max / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var t []float64
	for v := 0.0; v <= max+step*0.999; v += step {
		t = append(t, v)
	}
	return t
}

// lineChart draws an SVG line chart; it needs no script and no external asset.
func lineChart(title string, xa, ya axis, ss []series) string {
	const W, H, ml, mr, mt, mb = 640.0, 320.0, 64.0, 140.0, 34.0, 46.0
	pw, ph := W-ml-mr, H-mt-mb
	var xmax, ymax float64
	xmin := math.Inf(1)
	n := 0
	for _, s := range ss {
		for _, p := range s.points {
			n++
			xmax = math.Max(xmax, p.x)
			xmin = math.Min(xmin, p.x)
			ymax = math.Max(ymax, p.y)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="%s">`, W, H, W, H, html.EscapeString(title))
	fmt.Fprintf(&b, `<text x="%.0f" y="20" class="t">%s</text>`, ml, html.EscapeString(title))
	if n == 0 {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" class="l">no data</text></svg>`, ml+10, mt+ph/2)
		return b.String()
	}
	if math.IsInf(xmin, 1) || xmin > 0 && !xa.log {
		xmin = 0
	}
	yt := niceTicks(ymax, 5)
	ytop := yt[len(yt)-1]
	xt := xa.ticks
	if len(xt) == 0 {
		xt = niceTicks(xmax, 8)
	}
	xtop := math.Max(xt[len(xt)-1], xmax)
	if xtop == xmin {
		xtop = xmin + 1
	}
	X := func(v float64) float64 { return ml + (v-xmin)/(xtop-xmin)*pw }
	Y := func(v float64) float64 { return mt + ph - v/ytop*ph }
	for _, v := range yt {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" class="g"/>`, ml, Y(v), ml+pw, Y(v))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="l" text-anchor="end">%s</text>`, ml-6, Y(v)+4, html.EscapeString(ya.fmt(v)))
	}
	for _, v := range xt {
		if v < xmin {
			continue
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" class="g"/>`, X(v), mt, X(v), mt+ph)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="l" text-anchor="middle">%s</text>`, X(v), mt+ph+16, html.EscapeString(xa.fmt(v)))
	}
	fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" class="f"/>`, ml, mt, pw, ph)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="l" text-anchor="middle">%s</text>`, ml+pw/2, H-8, html.EscapeString(xa.label))
	fmt.Fprintf(&b, `<text x="14" y="%.1f" class="l" text-anchor="middle" transform="rotate(-90 14 %.1f)">%s</text>`, mt+ph/2, mt+ph/2, html.EscapeString(ya.label))
	for i, s := range ss {
		if len(s.points) == 0 {
			continue
		}
		var pts []string
		for _, p := range s.points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", X(p.x), Y(p.y)))
		}
		dash := ""
		if s.dash {
			dash = ` stroke-dasharray="5 3"`
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>`, strings.Join(pts, " "), s.color, dash)
		if len(s.points) <= 40 {
			for _, p := range s.points {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>`, X(p.x), Y(p.y), s.color)
			}
		}
		ly := mt + 10 + float64(i)*18
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="%s" stroke-width="3"%s/>`, ml+pw+12, ly, ml+pw+32, ly, s.color, dash)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" class="l">%s</text>`, ml+pw+38, ly+4, html.EscapeString(s.name))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

type ivPoint struct {
	t         float64
	rate, p50 float64
	p99       float64
}

// timeSeries groups a run's intervals per class (and "all").
func timeSeries(run *loadgen.Run) (map[string][]ivPoint, []string) {
	out := map[string][]ivPoint{}
	start := run.Header.Start
	if len(run.Intervals) > 0 && (start.IsZero() || run.Intervals[0].Start.Before(start)) {
		start = run.Intervals[0].Start
	}
	type slot struct {
		start, end time.Time
		c          loadgen.Counters
		h          []string
	}
	all := map[int64]*slot{}
	classes := append([]string(nil), run.Header.Classes...)
	for _, iv := range run.Intervals {
		if !containsStr(classes, iv.Class) {
			classes = append(classes, iv.Class)
		}
		sec := iv.End.Sub(iv.Start).Seconds()
		p := ivPoint{t: iv.End.Sub(start).Seconds()}
		if sec > 0 {
			p.rate = float64(iv.Counters.Answered()) / sec
		}
		if h, err := loadgen.DecodeHistogram(iv.Response); err == nil && h.TotalCount() > 0 {
			p.p50, p.p99 = float64(h.ValueAtQuantile(50))/1000, float64(h.ValueAtQuantile(99))/1000
		}
		out[iv.Class] = append(out[iv.Class], p)
		k := iv.End.UnixNano()
		s := all[k]
		if s == nil {
			s = &slot{start: iv.Start, end: iv.End}
			all[k] = s
		}
		s.c.Add(&iv.Counters)
		s.h = append(s.h, iv.Response)
	}
	keys := make([]int64, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for _, k := range keys {
		s := all[k]
		p := ivPoint{t: s.end.Sub(start).Seconds()}
		if sec := s.end.Sub(s.start).Seconds(); sec > 0 {
			p.rate = float64(s.c.Answered()) / sec
		}
		h := loadgen.NewHistogram()
		for _, e := range s.h {
			if d, err := loadgen.DecodeHistogram(e); err == nil {
				h.Merge(d)
			}
		}
		if h.TotalCount() > 0 {
			p.p50, p.p99 = float64(h.ValueAtQuantile(50))/1000, float64(h.ValueAtQuantile(99))/1000
		}
		out["all"] = append(out["all"], p)
	}
	for _, c := range classes {
		sort.Slice(out[c], func(i, j int) bool { return out[c][i].t < out[c][j].t })
	}
	return out, classes
}

func msFmt(v float64) string {
	if v == 0 {
		return "0"
	}
	if v < 1 {
		return fmt.Sprintf("%.2g ms", v)
	}
	return fmt.Sprintf("%g ms", v)
}

// nines maps a percentile to the chart's x: 0 → 0, 90 → 1, 99 → 2, 99.9 → 3.
func nines(q float64) float64 { return -math.Log10(1 - q/100) }

// WriteHTML renders a run as one self-contained HTML page: tables and
// inline SVG plots (throughput over time, p99 over time, and the latency
// percentile spectrum per class). No script, no external asset.
func WriteHTML(w io.Writer, run *loadgen.Run) error {
	h := &run.Header
	s := run.Summary
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>jwtharness load run ` + html.EscapeString(h.RunID) + `</title><style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px 32px;color:#1b1f24;max-width:1360px}
h1{font-size:22px;margin:0 0 6px}h2{font-size:16px;margin:26px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
table{border-collapse:collapse;margin:6px 0}td,th{padding:3px 10px;border-bottom:1px solid #eaeef2;text-align:right;white-space:nowrap}
th{background:#f6f8fa;font-weight:600}td:first-child,th:first-child{text-align:left}table.kv td{text-align:left;white-space:normal}
table.kv td:first-child{color:#57606a;width:120px}.bad{color:#b42318;font-weight:600}.ok{color:#1a7f37;font-weight:600}
.raw{background:#fff4ce;border:1px solid #d4a72c;padding:6px 10px;border-radius:4px;display:inline-block}
.charts{display:flex;flex-wrap:wrap;gap:12px}.charts svg{border:1px solid #d0d7de;border-radius:6px;background:#fff}
svg .t{font:600 14px system-ui,sans-serif}svg .l{font:11px system-ui,sans-serif;fill:#444}svg .g{stroke:#eaeef2}svg .f{fill:none;stroke:#8c959f}
ul.notes li{margin:3px 0}.warn{color:#9a6700}
</style></head><body>`)
	fmt.Fprintf(&b, "<h1>jwtharness load run <code>%s</code></h1>", html.EscapeString(h.RunID))
	if h.Plan.Raw {
		fmt.Fprintf(&b, `<p class="raw">%s</p>`, html.EscapeString(WhatLine(&h.Plan)))
	}
	b.WriteString(`<table class="kv">`)
	kv := func(k, v string) {
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td></tr>", html.EscapeString(k), html.EscapeString(v))
	}
	kv("target", h.Plan.Target)
	kv("plan", PlanLine(&h.Plan))
	if !h.Plan.Raw {
		kv("sent", WhatLine(&h.Plan))
	}
	for _, m := range h.Machines {
		kv("machine", fmt.Sprintf("%s (%s/%s, %d CPUs, GOMAXPROCS %d, %s), started %s%s", m.Host, m.OS, m.Arch, m.CPUs, m.GOMAXPROCS, m.GoVersion, m.Start.UTC().Format(time.RFC3339), MachineNote(m)))
	}
	if h.Ceiling != nil {
		kv("ceiling", h.Ceiling.String())
	}
	if s != nil {
		if l := CeilingLine(run); l != "" {
			kv("vs ceiling", l)
		}
		c := "yes"
		if !s.Complete {
			c = "NO"
		}
		kv("complete", fmt.Sprintf("%s, measured %s", c, s.Elapsed.D().Round(time.Millisecond)))
		if s.CPU != nil {
			v := fmt.Sprintf("%.2f cores (%.0f%% of GOMAXPROCS)", s.CPU.Cores, s.CPU.Share*100)
			if s.CPU.Process != "" {
				v += "; includes " + s.CPU.Process
			}
			kv("generator CPU", v)
		}
	}
	kv("tool", fmt.Sprintf("%s %s, run file schema %d", h.Tool, h.ToolVersion, h.Schema))
	b.WriteString("</table>")
	if s != nil {
		if l := s.InvalidLine(); l != "" {
			fmt.Fprintf(&b, `<p class="bad">%s</p>`, html.EscapeString(l))
		}
	}

	ts, classes := timeSeries(run)
	var thr, p99s, spec []series
	names := append(append([]string(nil), classes...), "all")
	for i, c := range names {
		col := palette[i%len(palette)]
		dash := false
		if c == "all" {
			col, dash = "#222", true
			if len(classes) == 1 {
				continue
			}
		}
		var a, p []point
		for _, q := range ts[c] {
			a = append(a, point{q.t, q.rate})
			p = append(p, point{q.t, q.p99})
		}
		thr = append(thr, series{name: c, color: col, points: a, dash: dash})
		p99s = append(p99s, series{name: c, color: col, points: p, dash: dash})
	}
	if s != nil {
		for i, cs := range append(append([]loadgen.ClassSummary(nil), s.Classes...), s.All) {
			if cs.Class == "all" && len(s.Classes) == 1 {
				continue
			}
			hh, err := loadgen.DecodeHistogram(cs.ResponseH)
			if err != nil || hh.TotalCount() == 0 {
				continue
			}
			col, dash := palette[i%len(palette)], false
			if cs.Class == "all" {
				col, dash = "#222", true
			}
			var pts []point
			for _, q := range []float64{0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99} {
				pts = append(pts, point{nines(q), float64(hh.ValueAtQuantile(q)) / 1000})
			}
			pts = append(pts, point{nines(99.999), float64(hh.Max()) / 1000})
			spec = append(spec, series{name: cs.Class, color: col, points: pts, dash: dash})
		}
	}
	secFmt := func(v float64) string { return fmt.Sprintf("%gs", v) }
	b.WriteString(`<h2>Over time</h2><div class="charts">`)
	b.WriteString(lineChart("Throughput: answers per second, per class", axis{label: "seconds since start", fmt: secFmt}, axis{label: "answers/s", fmt: func(v float64) string { return rate(v) }}, thr))
	b.WriteString(lineChart("p99 response time (from intended send), per interval", axis{label: "seconds since start", fmt: secFmt}, axis{label: "ms", fmt: msFmt}, p99s))
	b.WriteString(`</div><h2>Latency percentiles per class</h2><div class="charts">`)
	pctTicks := []float64{0, nines(90), nines(99), nines(99.9), nines(99.99), nines(99.999)}
	pctLabels := map[string]string{"0": "0%", "1": "90%", "2": "99%", "3": "99.9%", "4": "99.99%", "5": "max"}
	b.WriteString(lineChart("Response time by percentile (whole run)", axis{label: "percentile", ticks: pctTicks, fmt: func(v float64) string {
		if l, ok := pctLabels[fmt.Sprintf("%.0f", v)]; ok {
			return l
		}
		return ""
	}}, axis{label: "ms", fmt: msFmt}, spec))
	b.WriteString(`</div>`)
	if s == nil {
		b.WriteString(`<p class="bad">No summary line: the run did not finish writing its file.</p></body></html>`)
		_, err := io.WriteString(w, b.String())
		return err
	}
	for _, t := range []struct {
		title   string
		service bool
	}{{"Response time (from the intended send time)", false}, {"Service time (from the actual send)", true}} {
		fmt.Fprintf(&b, "<h2>%s</h2><table><tr><th>class</th><th>expect</th><th>sent</th><th>answers/s</th><th>as expected/s</th><th>errors</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>", t.title)
		for _, cs := range append(append([]loadgen.ClassSummary(nil), s.Classes...), s.All) {
			st := cs.Response
			if t.service {
				st = cs.Service
			}
			ec := ""
			if cs.ErrorRate > 0 {
				ec = ` class="bad"`
			}
			fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td><td>%d</td><td>%s</td><td>%s</td><td%s>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>",
				html.EscapeString(cs.Class), cs.Expect, cs.Counters.Sent, rate(cs.Rate), rate(cs.OKRate), ec, pct(cs.ErrorRate), us(st.P50), us(st.P90), us(st.P99), us(st.P999), us(st.Max))
		}
		b.WriteString("</table>")
	}
	c := &s.All.Counters
	b.WriteString(`<h2>Counters</h2><table class="kv">`)
	kv("requests", fmt.Sprintf("scheduled %d, sent %d, late %d (%s), dropped %d", c.Scheduled, c.Sent, c.Late, pct(s.All.LateRate), c.Dropped))
	kv("answers", AnswersLine(c))
	if l := NotTokenLine(c); l != "" {
		fmt.Fprintf(&b, `<tr><td>2xx not a token</td><td class="bad">%s</td></tr>`, html.EscapeString(l))
	}
	kv("status", mapLine(c.Status))
	if len(c.ErrorCodes) > 0 {
		kv("error codes", mapLine(c.ErrorCodes))
	}
	kv("bytes", fmt.Sprintf("out %s, in %s", bytesH(c.BytesOut), bytesH(c.BytesIn)))
	if p := s.Pool; p != nil {
		kv("assertion pool", fmt.Sprintf("minted %d (%.0f/s), used %d, discarded %d, starved %d", p.Minted, p.MintRate, p.Used, p.Discarded, p.Starved))
	}
	b.WriteString("</table>")
	if len(s.Thresholds) > 0 {
		b.WriteString(`<h2>Thresholds</h2><table><tr><th>threshold</th><th>result</th></tr>`)
		for _, t := range s.Thresholds {
			cl, r := "ok", "pass"
			if !t.Pass {
				cl, r = "bad", "FAILED"
			}
			fmt.Fprintf(&b, `<tr><td><code>%s</code> (actual %s)</td><td class="%s">%s</td></tr>`, html.EscapeString(t.Source), html.EscapeString(strings.Fields(t.Describe())[len(strings.Fields(t.Describe()))-2]), cl, r)
		}
		b.WriteString("</table>")
	}
	notes := Notes(run)
	if len(notes)+len(s.Warnings) > 0 {
		b.WriteString(`<h2>Notes</h2><ul class="notes">`)
		for _, n := range notes {
			fmt.Fprintf(&b, "<li>%s</li>", html.EscapeString(n))
		}
		for _, n := range s.Warnings {
			fmt.Fprintf(&b, `<li class="warn">warning: %s</li>`, html.EscapeString(n))
		}
		b.WriteString("</ul>")
	}
	b.WriteString("</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
