package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// PLACEHOLDER: replaced by the owner of this subcommand.
func newCasesCmd() *cobra.Command {
	return &cobra.Command{Use: "cases", Short: "(not built yet)", RunE: func(*cobra.Command, []string) error {
		return usageErr(errors.New("cases: not built yet"))
	}}
}
