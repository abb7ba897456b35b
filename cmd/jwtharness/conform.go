package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// PLACEHOLDER: replaced by the owner of this subcommand.
func newConformCmd() *cobra.Command {
	return &cobra.Command{Use: "conform", Short: "(not built yet)", RunE: func(*cobra.Command, []string) error {
		return usageErr(errors.New("conform: not built yet"))
	}}
}
