package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/jwtharness/jwtharness/loadgen"
	"github.com/jwtharness/jwtharness/reports/loadreport"
)

func newReportCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "report FILE...",
		Short: "Render load run files (text, Markdown, self-contained HTML); merge and compare them",
		Long: `report renders jwtharness load run files (NDJSON, written by load --out).

  jwtharness report run.ndjson                       text
  jwtharness report run.ndjson --format markdown
  jwtharness report run.ndjson --format html > r.html   one self-contained page, inline SVG plots
  jwtharness report merge a.ndjson b.ndjson -o all.ndjson
  jwtharness report compare base.ndjson new.ndjson --max-regression 10%

Exit codes: 0 done, 1 compare found a regression, 2 a file that cannot be read
or is corrupt (e.g. a histogram that does not decode), merge or compare refused,
3 a run file without a summary line (the run did not finish; what it holds is
still rendered).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			switch format {
			case "text", "", "markdown", "md", "html":
			default:
				return usageErr(fmt.Errorf("--format %q: want text, markdown or html", format))
			}
			var incomplete []string
			for i, path := range args {
				run, err := loadgen.ReadRunFile(path)
				if errors.Is(err, loadgen.ErrIncomplete) {
					// Render what there is, then exit 3.
					incomplete = append(incomplete, path)
				} else if err != nil {
					return usageErr(err)
				}
				if i > 0 && format == "text" {
					fmt.Fprintln(out)
				}
				switch format {
				case "text", "":
					err = loadreport.WriteTextColor(out, run, isTerminal(out))
				case "markdown", "md":
					err = loadreport.WriteMarkdown(out, run)
				case "html":
					err = loadreport.WriteHTML(out, run)
				default:
					return usageErr(fmt.Errorf("--format %q: want text, markdown or html", format))
				}
				if err != nil {
					return incompleteErr(err)
				}
			}
			if len(incomplete) > 0 {
				return incompleteErr(fmt.Errorf("%s: %w", strings.Join(incomplete, ", "), loadgen.ErrIncomplete))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text, markdown or html")
	cmd.AddCommand(newReportMergeCmd(), newReportCompareCmd())
	return cmd
}

func newReportMergeCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "merge A B... -o all.ndjson",
		Short: "Merge run files made at the same time on several machines",
		Long: `merge combines run files from several machines into one run file. It refuses
the same run twice (by run ID), runs of different targets, runs not made at the
same time, and files whose schema, histogram settings, interval or plan differ
(algorithm, flow, model, mix, duration, timeout, ...), saying what differs;
aligns intervals by wall clock (machines' clocks assumed NTP-synced), merges the
HDR histograms per interval and class losslessly, and sums the counters.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageErr(errors.New("merge: give -o FILE"))
			}
			var runs []*loadgen.Run
			for _, p := range args {
				r, err := readRunArg(p)
				if err != nil {
					return err
				}
				runs = append(runs, r)
			}
			m, err := loadreport.Merge(runs)
			if err != nil {
				return usageErr(fmt.Errorf("merge: %w", err))
			}
			f, err := os.Create(out)
			if err != nil {
				return usageErr(err)
			}
			w := loadgen.NewWriter(f)
			err = w.WriteHeader(&m.Header)
			if err == nil {
				err = w.WriteIntervals(m.Intervals)
			}
			if err == nil {
				err = w.WriteSummary(m.Summary)
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return incompleteErr(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "merged %d run files (%d machines, %d intervals) into %s\n", len(runs), len(m.Header.Machines), len(m.Intervals), out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "merged run file to write")
	return cmd
}

func parsePercent(s string) (float64, error) {
	v := strings.TrimSpace(s)
	pct := strings.HasSuffix(v, "%")
	f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q: want a percentage such as 10%%", s)
	}
	if pct || f > 1 {
		f /= 100
	}
	return f, nil
}

// readRunArg reads a run file for merge or compare: a file without a
// summary is exit 3 (incomplete), anything else unreadable exit 2.
func readRunArg(path string) (*loadgen.Run, error) {
	r, err := loadgen.ReadRunFile(path)
	if errors.Is(err, loadgen.ErrIncomplete) {
		return nil, incompleteErr(err)
	}
	if err != nil {
		return nil, usageErr(err)
	}
	return r, nil
}

func newReportCompareCmd() *cobra.Command {
	var maxReg string
	var strict bool
	cmd := &cobra.Command{
		Use:   "compare BASE NEW",
		Short: "Compare two runs figure by figure; exit 1 beyond the allowed regression",
		Long: `compare prints each figure of two runs (verify rate, answers/s, error rate,
latency percentiles overall and per class) and exits 1 when one got worse than
--max-regression allows. It warns when the runs measured different targets or
plans, or when one is not a valid measurement; with --strict it refuses them
(exit 2). A run file without a summary is exit 3, a corrupt one exit 2.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := parsePercent(maxReg)
			if err != nil {
				return usageErr(fmt.Errorf("--max-regression %v", err))
			}
			base, err := readRunArg(args[0])
			if err != nil {
				return err
			}
			nw, err := readRunArg(args[1])
			if err != nil {
				return err
			}
			c, err := loadreport.Compare(base, nw, m)
			if err != nil {
				return usageErr(err)
			}
			if strict && len(c.Warnings) > 0 {
				return usageErr(fmt.Errorf("--strict: not comparing: %s", strings.Join(c.Warnings, "; ")))
			}
			if err := c.WriteText(cmd.OutOrStdout()); err != nil {
				return incompleteErr(err)
			}
			if c.Regressed() {
				return gateErr(nil)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&maxReg, "max-regression", "10%", "allowed worsening per figure (throughput down, latency up)")
	cmd.Flags().BoolVar(&strict, "strict", false, "refuse (exit 2) when the runs measured different targets or plans, or one is not a valid measurement")
	return cmd
}
