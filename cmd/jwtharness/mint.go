package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// PLACEHOLDER: replaced by the owner of this subcommand.
func newMintCmd() *cobra.Command {
	return &cobra.Command{Use: "mint", Short: "(not built yet)", RunE: func(*cobra.Command, []string) error {
		return usageErr(errors.New("mint: not built yet"))
	}}
}
