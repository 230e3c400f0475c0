package app

import (
	"io"
	"net/http"
	"testing"

	"github.com/hearken-org/hearken/internal/db/dbtest"
)

// BenchmarkAPIMe measures one authenticated API round trip over real HTTP:
// token verification, the user read, JSON encoding and the middleware stack.
func BenchmarkAPIMe(b *testing.B) {
	for _, dialect := range dbtest.Backends() {
		b.Run(string(dialect), func(b *testing.B) {
			ta := newTestApp(b, dbtest.Open(b, dialect, Modules()))
			tok := ta.token(b, ta.adminEmail)
			req, _ := http.NewRequest("GET", ta.srv.URL+"/api/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					res, err := http.DefaultClient.Do(req.Clone(req.Context()))
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 {
						b.Fatal(res.Status)
					}
				}
			})
		})
	}
}
