package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// PLACEHOLDER: replaced by the owner of this subcommand.
func newServeCmd() *cobra.Command {
	return &cobra.Command{Use: "serve", Short: "(not built yet)", RunE: func(*cobra.Command, []string) error {
		return usageErr(errors.New("serve: not built yet"))
	}}
}
