// Command jwtharness proves whether an OAuth 2.0 token endpoint handles JWT
// assertions (RFC 7523) correctly and measures how fast it verifies them.
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=..."; a
// binary built by `go install module@version` reports that module version.
var version = "dev"

func init() {
	if version != "dev" {
		return
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		version = bi.Main.Version
	}
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	root := newRootCmd()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(os.Stderr, "jwtharness:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(os.Stderr, "jwtharness:", err)
	return ExitUsage
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "jwtharness",
		Short: "Conformance and load testing for OAuth 2.0 token endpoints that take JWT assertions (RFC 7523)",
		Long: `jwtharness drives an OAuth 2.0 token endpoint through valid and malformed JWT
assertions (RFC 7523 §2.1 bearer grant, §2.2 private_key_jwt and client_secret_jwt),
judges each answer against the RFC clause behind it, and measures how fast the
endpoint verifies signatures. With no --target it runs against its own embedded,
spec-exact reference server.`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newFixturesCmd(),
		newMintCmd(),
		newTokenCmd(),
		newServeCmd(),
		newConformCmd(),
		newCasesCmd(),
		newLoadCmd(),
		newReportCmd(),
		newTargetCmd(),
		newK8sCmd(),
	)
	return root
}
