package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/jwtharness/jwtharness/fixtures/fixtureset"
	"github.com/jwtharness/jwtharness/fixtures/target"
)

func newFixturesCmd() *cobra.Command {
	var (
		out     string
		opts    fixtureset.Options
		profile string
	)
	cmd := &cobra.Command{
		Use:   "fixtures --out DIR",
		Short: "Write a ready-to-use fixture set: keys, certificates, secrets, registry.yaml, target.yaml",
		Long: `fixtures writes everything a conformance or load run needs into DIR: a private
key (PKCS#8, mode 0600) and a self-signed certificate (CN = client_id) for every
asymmetric client, HMAC secrets (0600) for the client_secret_jwt clients, an
unregistered key (stranger.key), the client registry for the reference server
(registry.yaml) and the target
file for the harness (target.yaml). It never prints key material or secrets.

Clients: client-rsa (RS256; jwt_bearer, private_key_jwt; subject alice),
client-ec (ES256), client-secret (HS256, client_secret_jwt), one client per
further algorithm (client-rs384, -rs512, -ps256, -es384, -eddsa, -hs384,
-hs512), client-ed (the "other" client), client-expired and client-future
(certificates outside their validity), client-disabled and client-restricted
(registered for no flow).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageErr(errors.New("fixtures: --out DIR is required"))
			}
			opts.Profile = target.Profile(profile)
			if _, err := opts.Resolve(); err != nil {
				return usageErr(err)
			}
			s, err := fixtureset.Write(out, opts)
			if errors.Is(err, fixtureset.ErrNotEmpty) {
				return usageErr(err)
			}
			if err != nil {
				return incompleteErr(err)
			}
			return printSet(cmd, s)
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "", "directory to write the set into (created if missing)")
	f.IntVar(&opts.RSABits, "rsa-bits", fixtureset.DefaultRSABits, "RSA key size: 2048, 3072 or 4096")
	f.StringVar(&opts.TokenEndpoint, "token-endpoint", fixtureset.DefaultTokenEndpoint, "token endpoint URL written into target.yaml (also the audience)")
	f.StringVar(&opts.Issuer, "issuer", "", "authorization server issuer identifier (default: the token endpoint's origin)")
	f.StringVar(&profile, "profile", string(target.ProfileRFC7523), "target profile: rfc7523 or rfc7523bis")
	f.BoolVar(&opts.Force, "force", false, "overwrite an existing non-empty directory")
	return cmd
}

// printSet lists the files written (name, mode, what) and the clients; it
// never prints a key or a secret.
func printSet(cmd *cobra.Command, s *fixtureset.Set) error {
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "wrote fixture set to %s (token endpoint %s, issuer %s, profile %s, RSA %d)\n",
		s.Dir, s.Options.TokenEndpoint, s.Options.Issuer, s.Options.Profile, s.Options.RSABits)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tMODE\tCONTENT")
	for _, name := range s.Files() {
		mode := "?"
		if st, err := os.Stat(filepath.Join(s.Dir, name)); err == nil {
			mode = fmt.Sprintf("%04o", st.Mode().Perm())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, mode, describeFile(name))
	}
	if err := tw.Flush(); err != nil {
		return incompleteErr(err)
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT\tALG\tMETHODS\tNOTE")
	for _, c := range s.Clients {
		var methods []string
		for _, m := range c.Methods {
			methods = append(methods, string(m))
		}
		note := ""
		switch {
		case c.Disabled:
			note = "disabled"
		case len(c.Methods) == 0:
			note = "registered for no flow"
		case c.Validity.String() != "valid":
			note = "certificate " + c.Validity.String()
		}
		if len(c.Subjects) > 0 {
			note = strings.TrimSpace(note + " subjects " + strings.Join(c.Subjects, ","))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Credential.Alg, strings.Join(methods, ","), note)
	}
	if err := tw.Flush(); err != nil {
		return incompleteErr(err)
	}
	fmt.Fprintf(w, "\nregistry (for the reference server): %s\ntarget file (for the harness):       %s\n", s.RegistryPath, s.TargetPath)
	return nil
}

func describeFile(name string) string {
	switch {
	case name == fixtureset.RegistryFile:
		return "client registry (reference server)"
	case name == fixtureset.TargetFile:
		return "target file (harness)"
	case strings.HasPrefix(name, fixtureset.StrangerID+"."):
		if strings.HasSuffix(name, ".key") {
			return "private key, registered by no client"
		}
		return "certificate, registered by no client"
	case strings.HasSuffix(name, ".key"):
		return "private key (PKCS#8)"
	case strings.HasSuffix(name, ".crt"):
		return "certificate"
	case strings.HasSuffix(name, ".secret"):
		return "client secret"
	}
	return ""
}
