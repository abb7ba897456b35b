package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// PLACEHOLDER: replaced by the owner of this subcommand.
func newFixturesCmd() *cobra.Command {
	return &cobra.Command{Use: "fixtures", Short: "(not built yet)", RunE: func(*cobra.Command, []string) error {
		return usageErr(errors.New("fixtures: not built yet"))
	}}
}
