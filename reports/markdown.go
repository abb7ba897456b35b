package reports

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// mdEscape makes text safe inside a Markdown table cell or list item.
func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "\r", "")
	s = strings.ReplaceAll(s, "\n", " ")
	r := strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "`", "'", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`)
	return r.Replace(s)
}

// maxMarkdownItems bounds each list, so the summary fits a CI comment
// (GitHub takes 65,536 characters).
const maxMarkdownItems = 50

// code is s as an inline code span.
func code(s string) string {
	return "`" + strings.ReplaceAll(strings.ReplaceAll(s, "`", "'"), "\n", " ") + "`"
}

func clauseLink(v Verdict) string {
	tag := strings.TrimSpace(v.Level + " " + v.Clause)
	if v.ClauseURL != "" && v.Clause != "" {
		return fmt.Sprintf("%s [%s](%s)", v.Level, v.Clause, v.ClauseURL)
	}
	return tag
}

// WriteMarkdown writes a summary a CI step can post as a comment: status,
// target, counts per outcome, counts per family, then every gating verdict
// with its evidence, warnings, and skipped cases folded away.
func WriteMarkdown(w io.Writer, r *Run) error {
	var b strings.Builder
	s := r.Summary()
	icon := map[string]string{"CONFORMANT": "✅", "NOT CONFORMANT": "❌", "INCOMPLETE": "⚠️"}[r.Status()]
	fmt.Fprintf(&b, "## %s jwtharness conformance: %s\n\n", icon, r.Status())
	fmt.Fprintf(&b, "Target %s", code(r.Target.URL))
	if r.Target.Profile != "" {
		fmt.Fprintf(&b, " (profile %s)", r.Target.Profile)
	}
	fmt.Fprintf(&b, " · %s %s · seed %d", r.Tool, r.Version, r.Seed)
	if r.Filter != "" {
		fmt.Fprintf(&b, " · filter %s", code(r.Filter))
	}
	if r.Strict {
		b.WriteString(" · strict")
	}
	if d := r.Duration(); d > 0 {
		fmt.Fprintf(&b, " · %s", d.Round(10*time.Millisecond))
	}
	b.WriteString("\n\n")
	if !r.Complete {
		fmt.Fprintf(&b, "> **The run did not complete**: %s\n\n", mdEscape(nonEmptyStr(r.Incomplete, "stopped before every selected case ran")))
	}

	b.WriteString("| Outcome | Count |\n|---|---:|\n")
	for _, o := range Outcomes {
		fmt.Fprintf(&b, "| %s | %d |\n", o, s.Count(o))
	}
	fmt.Fprintf(&b, "| **Total** | **%d** |\n", s.Total)
	fmt.Fprintf(&b, "| Findings (distinct) | %d (%d MUST) |\n", s.Findings, s.FindingsFail)
	if r.Expectations != "" {
		fmt.Fprintf(&b, "| Expected by %s | %d |\n| Stale expectations | %d |\n", code(r.Expectations), s.Expected, s.Stale)
	}
	b.WriteString("\n")

	if fs := r.SortedFindings(); len(fs) > 0 {
		fmt.Fprintf(&b, "### Findings (%d distinct)\n\n| Outcome | Finding | Clause | Seen in | Example |\n|---|---|---|---|---|\n", len(fs))
		for i, f := range fs {
			if i == maxMarkdownItems {
				fmt.Fprintf(&b, "| | ... and %d more: see report.html or report.json | | | |\n", len(fs)-i)
				break
			}
			seen := strings.Join(f.Seen, " ")
			if len(f.Seen) > 6 {
				seen = strings.Join(f.Seen[:6], " ") + fmt.Sprintf(" and %d more", len(f.Seen)-6)
			}
			outcome := string(f.Outcome)
			if f.Baseline != "" {
				outcome += " (expected)"
			}
			cl := f.Level + " " + f.Clause
			if f.ClauseURL != "" {
				cl = fmt.Sprintf("%s [%s](%s)", f.Level, f.Clause, f.ClauseURL)
			}
			fmt.Fprintf(&b, "| %s | %s: %s | %s | %d: %s | %s |\n", outcome, code(f.ID), mdEscape(f.Title), cl, len(f.Seen), mdEscape(seen), mdEscape(oneLine(f.Example, 160)))
		}
		b.WriteString("\n")
	}
	if len(r.Stale) > 0 {
		fmt.Fprintf(&b, "### Stale expectations (%d)\n\nExpected in %s but did not happen: remove them.\n\n", len(r.Stale), code(r.Expectations))
		for _, st := range r.Stale {
			fmt.Fprintf(&b, "- %s (line %d): %s; now %s\n", code(st.Name()), st.Line, mdEscape(st.Reason), mdEscape(st.Actual))
		}
		b.WriteString("\n")
	}

	fams := r.Families()
	if len(fams) > 1 {
		b.WriteString("<details><summary>By family</summary>\n\n| Family | PASS | FAIL | ERROR | WARN | INFO | SKIP |\n|---|---:|---:|---:|---:|---:|---:|\n")
		for _, f := range fams {
			fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d |\n", mdEscape(f.Name), f.Summary.Pass, f.Summary.Fail, f.Summary.Error, f.Summary.Warn, f.Summary.Info, f.Summary.Skip)
		}
		b.WriteString("\n</details>\n\n")
	}

	gating := r.Gating()
	if len(gating) > 0 {
		fmt.Fprintf(&b, "### Failures (%d)\n\n", len(gating))
		for i, v := range gating {
			if i == maxMarkdownItems {
				fmt.Fprintf(&b, "- ... and %d more: see report.html or report.json\n", len(gating)-i)
				break
			}
			fmt.Fprintf(&b, "- **%s** %s %s: %s\n", v.Outcome, code(v.Key), clauseLink(v), mdEscape(v.Title))
			if v.Expected != "" {
				fmt.Fprintf(&b, "  - expected: %s\n", mdEscape(v.Expected))
			}
			if v.Actual != "" {
				fmt.Fprintf(&b, "  - actual: %s\n", mdEscape(v.Actual))
			}
			if v.Reason != "" {
				fmt.Fprintf(&b, "  - reason: %s\n", mdEscape(v.Reason))
			}
			if v.Repro != "" {
				fmt.Fprintf(&b, "  - repro: %s\n", code(v.Repro))
			}
		}
		b.WriteString("\n")
	}
	var warns, infos, expected, skips []Verdict
	onlyFindings := 0
	for _, v := range r.Sorted() {
		switch {
		case v.Outcome == Warn && !r.Strict && v.FindingsOnly:
			onlyFindings++
		case v.Outcome == Warn && !r.Strict:
			warns = append(warns, v)
		case v.Outcome == Info:
			infos = append(infos, v)
		case v.Baselined():
			expected = append(expected, v)
		case v.Outcome == Skip:
			skips = append(skips, v)
		}
	}
	if len(expected) > 0 {
		fmt.Fprintf(&b, "<details><summary>Expected deviations (%d, not gating)</summary>\n\n", len(expected))
		for i, v := range expected {
			if i == maxMarkdownItems {
				fmt.Fprintf(&b, "- ... and %d more\n", len(expected)-i)
				break
			}
			fmt.Fprintf(&b, "- %s %s %s: %s\n", v.Outcome, code(v.Key), clauseLink(v), mdEscape(v.Baseline))
		}
		b.WriteString("\n</details>\n\n")
	}
	if len(infos) > 0 {
		fmt.Fprintf(&b, "<details><summary>Observations of undeclared policies (%d, INFO)</summary>\n\n", len(infos))
		for i, v := range infos {
			if i == maxMarkdownItems {
				fmt.Fprintf(&b, "- ... and %d more\n", len(infos)-i)
				break
			}
			fmt.Fprintf(&b, "- %s: %s\n", code(v.Key), mdEscape(nonEmptyStr(v.Reason, message(v))))
		}
		b.WriteString("\n</details>\n\n")
	}
	if onlyFindings > 0 {
		fmt.Fprintf(&b, "%d further WARN verdicts only carry the findings listed above (their own subject held).\n\n", onlyFindings)
	}
	if len(warns) > 0 {
		fmt.Fprintf(&b, "### Warnings (%d, not gating)\n\n", len(warns))
		for i, v := range warns {
			if i == maxMarkdownItems {
				fmt.Fprintf(&b, "- ... and %d more\n", len(warns)-i)
				break
			}
			fmt.Fprintf(&b, "- %s %s: %s: %s\n", code(v.Key), clauseLink(v), mdEscape(v.Title), mdEscape(nonEmptyStr(v.Reason, message(v))))
		}
		b.WriteString("\n")
	}
	if len(skips) > 0 {
		fmt.Fprintf(&b, "<details><summary>Skipped (%d)</summary>\n\n", len(skips))
		for i, v := range skips {
			if i == maxMarkdownItems {
				fmt.Fprintf(&b, "- ... and %d more\n", len(skips)-i)
				break
			}
			fmt.Fprintf(&b, "- %s: %s\n", code(v.Key), mdEscape(v.Reason))
		}
		b.WriteString("\n</details>\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
