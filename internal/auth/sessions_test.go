package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
)

func TestSessionStore(t *testing.T) {
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		st := auth.NewSessionStore(d)
		c := &clock{t: time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)}
		st.Now = c.Now
		data := []byte{0, 1, 2, 0xff, 'x'} // binary, as scs's gob encoding is

		if _, found, err := st.Find("missing"); found || err != nil {
			t.Fatalf("Find(missing) = %v, %v", found, err)
		}
		if err := st.Commit("tok-a", data, c.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := st.Commit("tok-b", []byte("b"), c.Now().Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		b, found, err := st.Find("tok-a")
		if err != nil || !found || string(b) != string(data) {
			t.Fatalf("Find = %v, %v, %v", b, found, err)
		}
		// Commit replaces data and expiry.
		if err := st.CommitCtx(context.Background(), "tok-a", []byte("new"), c.Now().Add(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if b, _, _ := st.Find("tok-a"); string(b) != "new" {
			t.Fatalf("after overwrite: %q", b)
		}
		all, err := st.All()
		if err != nil || len(all) != 2 || string(all["tok-b"]) != "b" {
			t.Fatalf("All = %v, %v", all, err)
		}

		// Expiry: tok-a ends after 30 minutes, tok-b after 2 hours.
		c.Advance(45 * time.Minute)
		if _, found, _ := st.Find("tok-a"); found {
			t.Fatal("expired session found")
		}
		if all, _ := st.All(); len(all) != 1 {
			t.Fatalf("All after expiry = %v", all)
		}
		if n, err := st.DeleteExpiredSessions(context.Background()); err != nil || n != 1 {
			t.Fatalf("DeleteExpiredSessions = %d, %v", n, err)
		}
		if err := st.Delete("tok-b"); err != nil {
			t.Fatal(err)
		}
		if err := st.Delete("tok-b"); err != nil {
			t.Fatalf("deleting a missing session: %v", err)
		}
		if all, _ := st.All(); len(all) != 0 {
			t.Fatalf("All after delete = %v", all)
		}
	})
}
