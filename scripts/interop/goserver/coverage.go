package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
)

// coverageCmd checks that a conform report exercised a flow: the share of
// the flow's runs that ended PASS, FAIL, WARN or INFO (not SKIP or ERROR)
// must be at least --min. A lane whose grant runs all SKIP measured
// nothing and must not pass.
func coverageCmd(args []string) error {
	fs := flag.NewFlagSet("coverage", flag.ContinueOnError)
	report := fs.String("report", "", "report.json written by jwtharness conform --report-dir")
	flow := fs.String("flow", "jwt_bearer", "the flow to count")
	min := fs.Float64("min", 0.8, "the least share of the flow's runs that must be exercised (0..1)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *report == "" {
		return errors.New("--report FILE is required")
	}
	if *min < 0 || *min > 1 {
		return fmt.Errorf("--min %v: want a share between 0 and 1", *min)
	}
	raw, err := readBounded(*report)
	if err != nil {
		return err
	}
	var run struct {
		Verdicts []struct {
			Flow    string `json:"flow"`
			Outcome string `json:"outcome"`
		} `json:"verdicts"`
	}
	if err := json.Unmarshal(raw, &run); err != nil {
		return fmt.Errorf("%s: %w", *report, err)
	}
	total, exercised := 0, 0
	for _, v := range run.Verdicts {
		if v.Flow != *flow {
			continue
		}
		total++
		switch v.Outcome {
		case "PASS", "FAIL", "WARN", "INFO":
			exercised++
		}
	}
	if total == 0 {
		return fmt.Errorf("%s: no %s runs at all", *report, *flow)
	}
	share := float64(exercised) / float64(total)
	fmt.Printf("%s exercised in %d of %d runs (%.0f %%), PASS/FAIL/WARN/INFO; the rest SKIP or ERROR\n", *flow, exercised, total, 100*share)
	if share < *min {
		return fmt.Errorf("%s exercised in only %.0f %% of its runs (want at least %.0f %%)", *flow, 100*share, 100**min)
	}
	return nil
}
