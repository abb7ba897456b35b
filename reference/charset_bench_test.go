package reference

import (
	"testing"

	"github.com/jwtharness/jwtharness/fixtures"
)

func BenchmarkCharset(b *testing.B) {
	c := getCreds(b)
	tok := mintFor(b, fixtures.FlowClientSecretJWT, c.secret)
	v := newTestVerifier(b, Options{})
	s := &vstate{token: tok, purpose: PurposeClientAuth}
	b.SetBytes(int64(len(tok)))
	for i := 0; i < b.N; i++ {
		if err := v.checkCharset(s); err != nil {
			b.Fatal(err)
		}
	}
}
