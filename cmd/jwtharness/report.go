package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// PLACEHOLDER: replaced by the owner of this subcommand.
func newReportCmd() *cobra.Command {
	return &cobra.Command{Use: "report", Short: "(not built yet)", RunE: func(*cobra.Command, []string) error {
		return usageErr(errors.New("report: not built yet"))
	}}
}
