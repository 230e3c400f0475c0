package inbox

import (
	"context"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/auth"
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
