package reference

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jwtharness/jwtharness/fixtures"
	broken "github.com/jwtharness/jwtharness/fixtures/malformed"
)

// TestCheapChecksBeforeSignature: claim checks that need no registry state
// run before the signature, so junk is refused without paying for a
// verification. Each token below also has a broken signature; the answer
// must name the claim, proving the signature was never looked at.
func TestCheapChecksBeforeSignature(t *testing.T) {
	c := getCreds(t)
	v := newTestVerifier(t, Options{})
	past := float64(time.Now().Add(-10 * time.Minute).Unix())
	cases := []struct {
		name string
		edit func(fixtures.Claims)
		want string
	}{
		{"expired", func(cl fixtures.Claims) { cl["exp"] = past }, "item 4"},
		{"wrong aud", func(cl fixtures.Claims) { cl["aud"] = "https://other.example/token" }, "item 3"},
		{"future nbf", func(cl fixtures.Claims) { cl["nbf"] = float64(time.Now().Add(time.Hour).Unix()) }, "item 5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := broken.FlipSignatureBit(mintFor(t, fixtures.FlowPrivateKeyJWT, c.ec, tc.edit))
			if err != nil {
				t.Fatal(err)
			}
			_, oerr := v.Verify(context.Background(), PurposeClientAuth, tok)
			if oerr == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(oerr.Description, tc.want) {
				t.Errorf("refused for %q, want the claim rule (%s) before the signature", oerr.Description, tc.want)
			}
		})
	}
}

// BenchmarkReject: what refusing junk costs the verifier beside accepting a
// valid assertion. scripts/bench-verify.sh prints the ratios.
func BenchmarkReject(b *testing.B) {
	c := getCreds(b)
	v := newTestVerifier(b, Options{})
	ctx := context.Background()
	past := float64(time.Now().Add(-10 * time.Minute).Unix())
	for _, bc := range benchCases[:3] { // RS256-2048, PS256, ES256: verification is the expensive part
		cred := bc.cred(c)
		kinds := []struct {
			name string
			edit func(fixtures.Claims)
		}{
			{"expired", func(cl fixtures.Claims) { cl["exp"] = past }},
			{"wrong-aud", func(cl fixtures.Claims) { cl["aud"] = "https://other.example/token" }},
		}
		for _, k := range kinds {
			tok := mintFor(b, bc.flow, cred, k.edit)
			b.Run(bc.name+"/"+k.name, func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if _, err := v.Verify(ctx, PurposeClientAuth, tok); err == nil {
						b.Fatal("accepted")
					}
				}
			})
		}
	}
}
