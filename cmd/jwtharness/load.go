package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// PLACEHOLDER: replaced by the owner of this subcommand.
func newLoadCmd() *cobra.Command {
	return &cobra.Command{Use: "load", Short: "(not built yet)", RunE: func(*cobra.Command, []string) error {
		return usageErr(errors.New("load: not built yet"))
	}}
}
