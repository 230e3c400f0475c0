package inbox

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
)

// The message row carries what the view shows of its delivery and
// attachments (migration 00010): the outbox's changes are mirrored onto it
// whichever statement makes them, and its attachment count is what it was
// stored with.
func TestMessageRowMirrors(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		res := must[Result](t)(e.s.Ingest(ctx, corpus(t, "15-rfc2231-filenames.eml"), Envelope{}))
		e.flush() // the acknowledgement: queued, then sent
		c := e.conversation(res.ConversationID)
		if len(c.Messages) != 2 || len(c.Messages[0].Attachments) == 0 || len(c.Messages[1].Attachments) != 0 {
			t.Fatalf("messages %+v", c.Messages)
		}
		var stored, counted int
		if err := e.d.Reader.QueryRowContext(ctx, e.d.Rebind(
			"SELECT m.attachment_count, (SELECT count(*) FROM inbox_attachments a WHERE a.message_id = m.id) FROM inbox_messages m WHERE m.id = $1"),
			c.Messages[0].ID).Scan(&stored, &counted); err != nil {
			t.Fatal(err)
		}
		if stored != counted || stored != len(c.Messages[0].Attachments) {
			t.Errorf("attachment_count %d, %d rows, %d listed", stored, counted, len(c.Messages[0].Attachments))
		}
		ack := c.Messages[1]
		if ack.Outbox == nil || ack.Outbox.Status != OutboxSent || ack.Outbox.Attempts != 1 || ack.Outbox.SentAt == nil {
			t.Fatalf("acknowledgement's delivery %+v", ack.Outbox)
		}
		if c.Messages[0].Outbox != nil {
			t.Errorf("inbound message has a delivery: %+v", c.Messages[0].Outbox)
		}

		// A statement outside the service (an operator's fix, a script).
		next := e.clock.Now().Add(time.Hour)
		if _, err := e.d.W(ctx).ExecContext(ctx, e.d.Rebind(
			"UPDATE inbox_outbox SET status = 'queued', attempts = 3, last_error = 'reset by hand', next_attempt_at = $1, sent_at = NULL WHERE message_id = $2"),
			next, ack.ID); err != nil {
			t.Fatal(err)
		}
		got := must[Message](t)(e.s.message(ctx, ack.ID))
		if ob := got.Outbox; ob == nil || ob.Status != OutboxQueued || ob.Attempts != 3 || ob.LastError != "reset by hand" ||
			ob.NextAttemptAt == nil || !ob.NextAttemptAt.Equal(next) || ob.SentAt != nil {
			t.Fatalf("after the outbox row changed: %+v", got.Outbox)
		}

		// Every message agrees with its outbox row, and messages without
		// one show no delivery.
		var differ int
		if err := e.d.Reader.QueryRowContext(ctx, `SELECT count(*) FROM inbox_messages m LEFT JOIN inbox_outbox o ON o.message_id = m.id
			WHERE m.delivery_status <> COALESCE(o.status, '') OR m.delivery_attempts <> COALESCE(o.attempts, 0)
			OR m.delivery_error <> COALESCE(o.last_error, '')
			OR (m.delivery_next_at IS NULL) <> (o.next_attempt_at IS NULL) OR (m.delivered_at IS NULL) <> (o.sent_at IS NULL)`).Scan(&differ); err != nil {
			t.Fatal(err)
		}
		if differ != 0 {
			t.Errorf("%d messages differ from their outbox rows", differ)
		}
	})
}

// Messages show their author's current name: a colleague added since the
// names were read at once, a rename within staffNamesTTL, a deactivated
// colleague's name still.
func TestAuthorNames(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		res := e.ingest(msg{From: "kaisa@example.net", Subject: "Kiitos", ID: "kaisa-1@example.net"}.String())
		e.flush()
		aino, asAino := e.agent("Aino", auth.RoleAgent)
		r1 := must[Message](t)(e.s.Reply(asAino, res.ConversationID, "Kiitos viestistä!", ""))
		if got := e.conversation(res.ConversationID).Messages; got[len(got)-1].ID != r1.ID || got[len(got)-1].AuthorName != "Aino" {
			t.Fatalf("last message %+v", got[len(got)-1])
		}
		// The names are read now; a colleague who joins later is found.
		_, asBruno := e.agent("Bruno", auth.RoleAgent)
		r2 := must[Message](t)(e.s.AddNote(asBruno, res.ConversationID, "Soitan huomenna."))
		if got := must[Message](t)(e.s.message(context.Background(), r2.ID)); got.AuthorName != "Bruno" {
			t.Fatalf("new colleague's note by %q", got.AuthorName)
		}

		rename := "Aino Korhonen"
		if _, err := e.auth.UpdateUser(sys(), aino.ID, auth.UserPatch{Name: &rename}); err != nil {
			t.Fatal(err)
		}
		author := func() string {
			for _, m := range e.conversation(res.ConversationID).Messages {
				if m.ID == r1.ID {
					return m.AuthorName
				}
			}
			t.Fatal("reply not in the conversation")
			return ""
		}
		if got := author(); got != "Aino" {
			t.Errorf("just after the rename: %q (the copy is younger than %v)", got, staffNamesTTL)
		}
		e.clock.Advance(staffNamesTTL)
		if got := author(); got != rename {
			t.Errorf("%v after the rename: %q", staffNamesTTL, got)
		}
		inactive := false
		if _, err := e.auth.UpdateUser(sys(), aino.ID, auth.UserPatch{Active: &inactive}); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(staffNamesTTL)
		if got := author(); got != rename {
			t.Errorf("deactivated author: %q", got)
		}
	})
}

// On SQLite a conversation's messages lie side by side (migration 00012):
// each row's rowkey is in its conversation's range, in the order written,
// however the conversations' messages interleave; ids stay in arrival order
// across conversations, a merge keeps every message in the view, and the
// rebuild left foreign keys on.
func TestMessagesSideBySide(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		a := e.ingest(msg{From: "ayse@example.net", Subject: "Bağış makbuzu", ID: "ayse-1@example.net"}.String()).ConversationID
		b := e.ingest(msg{From: "kenji@example.net", Subject: "領収書", ID: "kenji-1@example.net"}.String()).ConversationID
		_, asAgent := e.agent("Aino", auth.RoleAgent)
		for i := range 3 {
			for _, c := range []int64{a, b} {
				if _, err := e.s.AddNote(asAgent, c, fmt.Sprintf("note %d", i)); err != nil {
					t.Fatal(err)
				}
			}
		}
		e.flush()
		if e.d.Dialect == db.SQLite {
			var fk int
			if err := e.d.Writer.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
				t.Fatalf("foreign_keys = %d, %v after the migrations", fk, err)
			}
			rows, err := e.d.Reader.QueryContext(ctx, "SELECT conversation_id, rowkey FROM inbox_messages ORDER BY id")
			if err != nil {
				t.Fatal(err)
			}
			type row struct{ conv, key int64 }
			got, err := db.ReadAll(rows, func(r db.Scanner) (x row, err error) { return x, r.Scan(&x.conv, &x.key) })
			if err != nil {
				t.Fatal(err)
			}
			next := map[int64]int64{}
			for _, r := range got {
				if want := r.conv<<20 + next[r.conv]; r.key != want {
					t.Errorf("conversation %d: rowkey %d, want %d", r.conv, r.key, want)
				}
				next[r.conv]++
			}
			if next[a] < 4 || next[b] < 4 {
				t.Fatalf("messages per conversation %v", next)
			}
		}
		before := len(e.conversation(a).Messages) + len(e.conversation(b).Messages)
		if _, err := e.s.Merge(asAgent, a, b); err != nil {
			t.Fatal(err)
		}
		msgs := e.conversation(a).Messages
		if len(msgs) != before {
			t.Fatalf("%d messages after the merge, want %d", len(msgs), before)
		}
		for i := 1; i < len(msgs); i++ {
			if msgs[i].ID <= msgs[i-1].ID {
				t.Fatalf("merged view out of order: %d after %d", msgs[i].ID, msgs[i-1].ID)
			}
		}
	})
}
