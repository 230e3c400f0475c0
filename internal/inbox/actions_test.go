package inbox

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/org"
	"github.com/hearken-org/hearken/internal/people"
)

func TestReplyAndConversationFlow(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		agent, as := e.agent("Aino", auth.RoleAgent)
		// The corpus message with attachments (RFC 2231 file names).
		res := must[Result](t)(e.s.Ingest(context.Background(), corpus(t, "15-rfc2231-filenames.eml"), Envelope{}))
		e.flush()
		c := e.conversation(res.ConversationID)
		if len(c.Messages[0].Attachments) == 0 {
			t.Fatal("attachments not listed")
		}
		if c.Status != StatusNew || c.FirstResponseDueAt == nil || c.DueAt() == nil {
			t.Fatalf("new conversation %+v", c.Conversation)
		}

		// A viewer may look but not answer.
		_, viewer := e.agent("Ville", auth.RoleViewer)
		_, err := e.s.Reply(viewer, c.ID, "Hi", "")
		wantErr(t, err, apperr.CodeForbidden, "")
		_, err = e.s.Reply(as, c.ID, "   ", "")
		wantErr(t, err, apperr.CodeInvalid, "")

		e.clock.Advance(time.Hour)
		reply := must[Message](t)(e.s.Reply(as, c.ID, "Bonjour Camille, merci pour les documents.", "<p>Bonjour Camille, <b>merci</b><script>x()</script></p>"))
		inbound := c.Messages[0]
		if reply.InReplyTo != inbound.MessageID || !slices.Contains(reply.References, inbound.MessageID) {
			t.Errorf("reply In-Reply-To %q References %v", reply.InReplyTo, reply.References)
		}
		if reply.AuthorUserID != agent.ID || reply.Direction != DirectionOut || strings.Contains(reply.HTML, "script") {
			t.Errorf("reply %+v", reply)
		}
		if reply.Subject != "Re: Documents pour le dossier [HK-"+itoa(c.ID)+"]" || reply.To[0].Email != inbound.From.Email {
			t.Errorf("reply subject %q to %v", reply.Subject, reply.To)
		}
		c = e.conversation(c.ID)
		if c.Status != StatusWaiting || c.FirstRespondedAt == nil || !c.FirstRespondedAt.Equal(e.clock.Now()) || c.WaitingSince == nil || c.DueAt() != nil {
			t.Fatalf("after the reply: %+v", c.Conversation)
		}
		// The timeline shows it.
		tl := must[people.Page[people.Event]](t)(e.people.Timeline(sys(), c.PersonID, "", 10, false))
		if tl.Items[0].Kind != TimelineMessageOut {
			t.Errorf("timeline head %s", tl.Items[0].Kind)
		}
		sent := e.flush()
		if last := sent[len(sent)-1]; last.InReplyTo != inbound.MessageID || last.HTML == "" || !strings.Contains(last.Text, "Camille") {
			t.Errorf("sent reply %+v", last)
		}

		// The person answers: the conversation reopens and the next-response
		// clock starts.
		e.clock.Advance(2 * time.Hour)
		back := e.ingest(msg{From: inbound.From.Email, Subject: "Re: " + reply.Subject, ID: "camille-2@exemple.fr", InReplyTo: reply.MessageID}.String())
		if back.ConversationID != c.ID {
			t.Fatalf("answer threaded into %d", back.ConversationID)
		}
		c = e.conversation(c.ID)
		if c.Status != StatusOpen || c.NextResponseDueAt == nil || c.WaitingSince != nil {
			t.Fatalf("after the answer: %+v", c.Conversation)
		}
		if !slices.Contains(e.eventKinds(c.ID), EventReopened) {
			t.Error("no reopened event")
		}

		note := must[Message](t)(e.s.AddNote(as, c.ID, "Documents checked, waiting for the signature."))
		if note.Direction != DirectionNote || note.Outbox != nil {
			t.Errorf("note %+v", note)
		}
		if n := len(e.pendingJobs(sendArgs{}.Kind())); n != 0 {
			t.Errorf("a note was queued for sending")
		}

		// Assignment and the list views.
		if _, err := e.s.Assign(viewer, c.ID, agent.ID); !apperr.Is(err, apperr.CodeForbidden) {
			t.Errorf("viewer assigned: %v", err)
		}
		_, err = e.s.Assign(as, c.ID, 999999)
		wantErr(t, err, apperr.CodeInvalid, "")
		other := e.ingest(msg{From: "Other <other@example.net>", Subject: "Unrelated", ID: "other@example.net"}.String())
		c2 := must[Conversation](t)(e.s.Assign(as, c.ID, agent.ID))
		if c2.AssigneeUserID != agent.ID {
			t.Fatal("not assigned")
		}
		ids := func(f Filter) []int64 {
			page := must[Page[Conversation]](t)(e.s.ListConversations(as, f, "", 50))
			var out []int64
			for _, c := range page.Items {
				out = append(out, c.ID)
			}
			return out
		}
		if got := ids(Filter{View: ViewMine}); !slices.Equal(got, []int64{c.ID}) {
			t.Errorf("mine = %v", got)
		}
		if got := ids(Filter{View: ViewUnassigned}); !slices.Equal(got, []int64{other.ConversationID}) {
			t.Errorf("unassigned = %v", got)
		}
		if got := ids(Filter{Q: "signature"}); !slices.Equal(got, []int64{c.ID}) {
			t.Errorf("search in notes = %v", got)
		}
		if got := ids(Filter{Q: "dossier"}); !slices.Equal(got, []int64{c.ID}) {
			t.Errorf("search = %v", got)
		}
		must[Conversation](t)(e.s.SetStatus(as, other.ConversationID, StatusWaiting))
		if got := ids(Filter{View: ViewWaiting}); !slices.Equal(got, []int64{other.ConversationID}) {
			t.Errorf("waiting = %v", got)
		}
		must[Conversation](t)(e.s.SetStatus(as, c.ID, StatusResolved))
		if got := ids(Filter{View: ViewMine}); len(got) != 0 {
			t.Errorf("mine after resolving = %v", got)
		}
		if got := ids(Filter{View: ViewAll, Status: StatusResolved}); !slices.Equal(got, []int64{c.ID}) {
			t.Errorf("resolved = %v", got)
		}
		// Closed conversations stay closed: an answer starts a follow-up.
		must[Conversation](t)(e.s.SetStatus(as, c.ID, StatusClosed))
		fu := e.ingest(msg{From: inbound.From.Email, Subject: "Re: " + reply.Subject, ID: "camille-3@exemple.fr", InReplyTo: "camille-2@exemple.fr"}.String())
		if !fu.New || fu.ConversationID == c.ID || e.conversation(fu.ConversationID).FollowUpOfID != c.ID {
			t.Errorf("answer to a closed conversation: %+v", fu)
		}
		must[Conversation](t)(e.s.SetTags(as, fu.ConversationID, []string{"legacy", " legs ", "legacy"}))
		if got := e.conversation(fu.ConversationID).Tags; !slices.Equal(got, []string{"legacy", "legs"}) {
			t.Errorf("tags %v", got)
		}
	})
}

func TestReplyRefusedWhenOptedOut(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		_, as := e.agent("Aino", auth.RoleAgent)
		res := e.ingest(msg{From: "x@example.net", Subject: "Hi", ID: "x@example.net"}.String())
		pid := e.conversation(res.ConversationID).PersonID
		if err := e.people.SetDoNotContact(sys(), pid, true, "phone call", ""); err != nil {
			t.Fatal(err)
		}
		_, err := e.s.Reply(as, res.ConversationID, "Hello", "")
		wantErr(t, err, apperr.CodeConflict, "inbox.error.contact_not_allowed")
	})
}

func TestListOrderAndPages(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, e *env) {
		_, as := e.agent("Aino", auth.RoleAgent)
		var want []int64
		for i := range 7 {
			res := e.ingest(msg{From: "p" + itoa(int64(i)) + "@example.net", Subject: "Page test", ID: "page" + itoa(int64(i)) + "@example.net"}.String())
			want = append(want, res.ConversationID)
			e.clock.Advance(time.Minute)
		}
		// An urgent policy gives the fourth conversation the earliest deadline.
		must[Policy](t)(e.s.SavePolicy(sys(), Policy{Name: "Urgent", Enabled: true, FirstResponse: 10 * time.Minute,
			Rules: Rules{Priorities: []Priority{PriorityUrgent}}}))
		must[Conversation](t)(e.s.SetPriority(as, want[3], PriorityUrgent))
		want = append([]int64{want[3]}, slices.Delete(slices.Clone(want), 3, 4)...)
		// Waiting ones (no running clock) come after those with a deadline,
		// resolved ones after all.
		waiting, resolved := want[1], want[2]
		must[Conversation](t)(e.s.SetStatus(as, waiting, StatusWaiting))
		must[Conversation](t)(e.s.SetStatus(as, resolved, StatusResolved))
		want = append(slices.Delete(slices.Clone(want), 1, 3), waiting, resolved)
		var got []int64
		cursor := ""
		for range 10 {
			page := must[Page[Conversation]](t)(e.s.ListConversations(as, Filter{View: ViewAll}, cursor, 3))
			for _, c := range page.Items {
				got = append(got, c.ID)
			}
			if cursor = page.Next; cursor == "" {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("order %v, want %v", got, want)
		}
		// "Mine" pages the same order through its own query (the assignee index).
		aino, _ := e.agent("Aino2", auth.RoleAgent)
		mine := auth.WithActor(context.Background(), auth.Actor{UserID: aino.ID, Role: auth.RoleAgent})
		for _, id := range want {
			if id != waiting {
				must[Conversation](t)(e.s.Assign(as, id, aino.ID))
			}
		}
		got, cursor = nil, ""
		for range 10 {
			page := must[Page[Conversation]](t)(e.s.ListConversations(mine, Filter{View: ViewMine}, cursor, 2))
			for _, c := range page.Items {
				got = append(got, c.ID)
			}
			if cursor = page.Next; cursor == "" {
				break
			}
		}
		if !slices.Equal(got, want[:len(want)-2]) { // neither waiting (not assigned) nor resolved
			t.Errorf("mine %v, want %v", got, want[:len(want)-2])
		}
		if page := must[Page[Conversation]](t)(e.s.ListConversations(mine, Filter{View: ViewMine, Status: StatusResolved}, "", 5)); len(page.Items) != 1 || page.Items[0].ID != resolved {
			t.Errorf("mine, resolved: %+v", page.Items)
		}
		_, err := e.s.ListConversations(as, Filter{View: ViewAll}, "garbage!", 3)
		wantErr(t, err, apperr.CodeInvalid, "")
		// The team view follows team membership.
		u, member := e.agent("Member", auth.RoleAgent)
		team := must[org.Team](t)(e.org.CreateTeam(sys(), org.NewTeam{Name: "Helpdesk"}))
		if err := e.org.AddMember(sys(), team.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		must[Conversation](t)(e.s.SetTeam(as, want[2], team.ID))
		page := must[Page[Conversation]](t)(e.s.ListConversations(member, Filter{View: ViewTeam}, "", 10))
		if len(page.Items) != 1 || page.Items[0].ID != want[2] {
			t.Errorf("team view = %v", page.Items)
		}
	})
}
