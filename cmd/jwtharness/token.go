package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// PLACEHOLDER: replaced by the owner of this subcommand.
func newTokenCmd() *cobra.Command {
	return &cobra.Command{Use: "token", Short: "(not built yet)", RunE: func(*cobra.Command, []string) error {
		return usageErr(errors.New("token: not built yet"))
	}}
}
