package reports

import (
	_ "embed"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"
)

//go:embed report.html.tmpl
var htmlTemplate string

var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"lower": strings.ToLower,
	"dur": func(d time.Duration) string {
		switch {
		case d <= 0:
			return ""
		case d < time.Millisecond:
			return d.Round(time.Microsecond).String()
		case d < time.Second:
			return d.Round(100 * time.Microsecond).String()
		}
		return d.Round(10 * time.Millisecond).String()
	},
	"ts": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"search": func(v Verdict) string {
		return strings.ToLower(strings.Join([]string{v.Key, v.Title, v.Family, v.Level, v.Clause, v.Flow, string(v.Outcome), v.Reason}, " "))
	},
	"gates":  func(v Verdict, strict bool) bool { return v.Gates(strict) },
	"fgates": func(f Finding, strict bool) bool { return f.Gates(strict) },
	"join":   strings.Join,
	"hasEvidence": func(v Verdict) bool {
		return v.Expected != "" || v.Actual != "" || v.Reason != "" || v.Transcript != "" || v.Repro != ""
	},
}).Parse(htmlTemplate))

type htmlData struct {
	*Run
	Status   string
	Summary  Summary
	Outcomes []Outcome
	Families []Family
	Findings []Finding
	Levels   []string
	Flows    []string
}

// WriteHTML writes one self-contained page (inline CSS and JavaScript, no
// external asset): the distinct findings first, then verdicts grouped by family, filters by outcome, level,
// flow and free text, and every verdict expandable to its expected and
// actual answer, reason, redacted transcript and reproduction command.
func WriteHTML(w io.Writer, r *Run) error {
	d := htmlData{Run: r, Status: r.Status(), Summary: r.Summary(), Outcomes: Outcomes, Families: r.Families(), Findings: r.SortedFindings()}
	// Within a family, what needs attention comes first.
	rank := map[Outcome]int{}
	for i, o := range Outcomes {
		rank[o] = i
	}
	for _, f := range d.Families {
		sort.SliceStable(f.Verdicts, func(i, j int) bool { return rank[f.Verdicts[i].Outcome] < rank[f.Verdicts[j].Outcome] })
	}
	levels, flows := map[string]bool{}, map[string]bool{}
	for _, v := range r.Verdicts {
		if v.Level != "" {
			levels[v.Level] = true
		}
		if v.Flow != "" {
			flows[v.Flow] = true
		}
	}
	for _, l := range []string{"MUST", "SHOULD", "MAY", "POLICY", "BCP"} {
		if levels[l] {
			d.Levels = append(d.Levels, l)
			delete(levels, l)
		}
	}
	d.Levels = append(d.Levels, sortedKeys(levels)...)
	for _, f := range []string{"jwt_bearer", "private_key_jwt", "client_secret_jwt"} {
		if flows[f] {
			d.Flows = append(d.Flows, f)
			delete(flows, f)
		}
	}
	d.Flows = append(d.Flows, sortedKeys(flows)...)
	return htmlTmpl.Execute(w, d)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
