package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/go-jose/go-jose/v4"
	"github.com/spf13/cobra"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/fixtures/validreq"
)

func newMintCmd() *cobra.Command {
	var (
		targetPath, flow, alg, mutation string
		list, decode                    bool
	)
	cmd := &cobra.Command{
		Use:   "mint --target target.yaml --flow jwt_bearer [--alg X] [--mutation NAME] [--decode]",
		Short: "Print a signed assertion for a flow of the target, valid or with one named mutation",
		Long: `mint builds the assertion the harness would send for a flow (RFC 7523 §2.1 bearer
grant: jwt_bearer; §2.2 client authentication: private_key_jwt, client_secret_jwt)
with the target's credential for --alg (default: the flow's primary credential),
applies at most one named --mutation, and prints the compact token. --decode
prints its header and claims as JSON instead. --list-mutations lists the names.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			if list {
				return listMutations(w)
			}
			if targetPath == "" {
				return usageErr(errors.New("mint: --target FILE is required"))
			}
			fl := fixtures.Flow(flow)
			if !fl.Valid() {
				return usageErr(fmt.Errorf("mint: unknown --flow %q (want jwt_bearer, private_key_jwt or client_secret_jwt)", flow))
			}
			var a jose.SignatureAlgorithm
			if alg != "" {
				var err error
				if a, err = fixtures.ParseAlg(alg); err != nil {
					return usageErr(fmt.Errorf("mint: --alg: %w", err))
				}
			}
			var m fixtures.Mutation
			if mutation != "" {
				var ok bool
				if m, ok = fixtures.LookupMutation(mutation); !ok {
					return usageErr(fmt.Errorf("mint: unknown --mutation %q (see --list-mutations)", mutation))
				}
			}
			t, err := target.Load(targetPath)
			if err != nil {
				return usageErr(err)
			}
			if !t.Offers(fl) {
				return usageErr(fmt.Errorf("mint: the target does not offer %s (no flows.%s in %s)", fl, fl, targetPath))
			}
			cred := t.Credential(fl, a)
			if cred == nil {
				return usageErr(fmt.Errorf("mint: the target has no %s credential that signs with %s", fl, a))
			}
			vr, err := validreq.BuildFor(t, fl, "", cred)
			if err != nil {
				return usageErr(fmt.Errorf("mint: %w", err))
			}
			spec := vr.Assertion
			if mutation != "" {
				if err := m.Apply(&spec, t.MutationContextFor(fl)); err != nil {
					return usageErr(fmt.Errorf("mint: mutation %s: %w", m.Name, err))
				}
			}
			minter := &fixtures.Minter{}
			tok, err := minter.Mint(spec)
			if err != nil {
				return incompleteErr(fmt.Errorf("mint: %w", err))
			}
			if decode {
				return printDecoded(w, tok)
			}
			_, err = fmt.Fprintln(w, tok)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&targetPath, "target", "", "target file (YAML)")
	f.StringVar(&flow, "flow", string(fixtures.FlowJWTBearer), "flow: jwt_bearer, private_key_jwt or client_secret_jwt")
	f.StringVar(&alg, "alg", "", "sign with the flow's credential for this algorithm (default: the primary credential)")
	f.StringVar(&mutation, "mutation", "", "apply one named mutation (see --list-mutations)")
	f.BoolVar(&list, "list-mutations", false, "list the mutation names and exit")
	f.BoolVar(&decode, "decode", false, "print the header and claims as JSON instead of the token")
	return cmd
}

func listMutations(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPART\tDESCRIPTION")
	for _, m := range fixtures.Mutations() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", m.Name, m.Part, m.Description)
	}
	return tw.Flush()
}

// printDecoded prints the token's segments as JSON: header and claims of a
// JWS (also when encoded leniently: padding, standard alphabet, whitespace),
// the protected header of a JWE, or the members of a JSON serialization.
func printDecoded(w io.Writer, tok string) error {
	out := map[string]any{}
	s := strings.TrimSpace(tok)
	if strings.HasPrefix(s, "{") {
		var js map[string]any
		if err := json.Unmarshal([]byte(s), &js); err != nil {
			return incompleteErr(fmt.Errorf("mint: decode JSON serialization: %w", err))
		}
		out["serialization"] = "json"
		if p, ok := js["protected"].(string); ok {
			out["header"] = decodeSegment(p)
		}
		if p, ok := js["payload"].(string); ok {
			out["claims"] = decodeSegment(p)
		}
	} else {
		parts := strings.Split(s, ".")
		out["segments"] = len(parts)
		if len(parts) > 0 {
			out["header"] = decodeSegment(parts[0])
		}
		switch len(parts) {
		case 5:
			out["serialization"] = "compact JWE (claims encrypted)"
		default:
			if len(parts) > 1 {
				out["claims"] = decodeSegment(parts[1])
				if raw, err := lenientDecode(parts[1]); err == nil {
					if d := duplicateMembers(raw); len(d) > 0 {
						out["duplicate_claims"] = d
						out["payload_text"] = string(raw)
					}
				}
			}
			if len(parts) > 2 {
				sig, err := lenientDecode(parts[2])
				if err == nil {
					out["signature_bytes"] = len(sig)
				}
			}
		}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return incompleteErr(err)
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}

// decodeSegment returns the segment's JSON value, or its text when it is not
// JSON, or an error note when it is not base64.
func decodeSegment(seg string) any {
	b, err := lenientDecode(seg)
	if err != nil {
		return fmt.Sprintf("(not base64url: %v)", err)
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return string(b)
	}
	if d.More() {
		return string(b) // trailing data: show the bytes as they are
	}
	return v
}

// duplicateMembers lists the member names that occur more than once at the
// top level of a JSON object (decodeSegment shows only the last of them).
func duplicateMembers(obj []byte) []string {
	d := json.NewDecoder(bytes.NewReader(obj))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	seen := map[string]int{}
	var dups []string
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return dups
		}
		k, _ := t.(string)
		if seen[k]++; seen[k] == 2 {
			dups = append(dups, k)
		}
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return dups
		}
	}
	return dups
}

func lenientDecode(seg string) ([]byte, error) {
	seg = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n', '=':
			return -1
		case '+':
			return '-'
		case '/':
			return '_'
		}
		return r
	}, seg)
	return base64.RawURLEncoding.DecodeString(seg)
}
