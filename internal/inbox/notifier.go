package inbox

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hearken-org/hearken/internal/notify"
)

// StaffNotifier delivers inbox notifications to staff through the notify
// capability: in-app, and by e-mail per each user's preference. Called
// inside the caller's transaction, the notifications commit with the event
// that caused them.
type StaffNotifier struct{ N *notify.Service }

// titleKeys maps notification kinds to the notify catalog's titles.
var titleKeys = map[string]string{
	NotifySLAWarning:         "notify.title.sla_warning",
	NotifySLABreach:          "notify.title.sla_breach",
	NotifySLALeadership:      "notify.title.sla_escalation",
	NotifyMention:            "notify.title.mention",
	NotifyQueuePressure:      "notify.title.queue_pressure",
	NotifyAssigned:           "notify.title.assigned",
	NotifyReassigned:         "notify.title.reassigned",
	NotifyPromiseWarning:     "notify.title.promise_warning",
	NotifyPromiseMissed:      "notify.title.promise_missed",
	NotifyPromiseEscalated:   "notify.title.promise_missed",
	NotifyEscalationRaised:   "notify.title.escalated",
	NotifyEscalationResolved: "notify.title.escalation_resolved",
}

// Notify sends n to its UserIDs, or to the assignee when it names none.
func (sn StaffNotifier) Notify(ctx context.Context, n Notification) error {
	users := n.UserIDs
	if len(users) == 0 && n.AssigneeUserID != 0 {
		users = []int64{n.AssigneeUserID}
	}
	if len(users) == 0 {
		return nil
	}
	key, ok := titleKeys[n.Kind]
	if !ok {
		key = "notify.title.generic"
	}
	m := notify.Message{Kind: "inbox." + n.Kind, TitleKey: key, ActorUserID: n.ActorUserID, DedupeKey: n.DedupeKey,
		Args: map[string]any{"Reference": n.Reference, "Subject": n.Subject, "Actor": n.ActorName, "Team": n.TeamName,
			"Unassigned": n.Unassigned, "Minutes": n.WaitMinutes}}
	if n.ConversationID != 0 {
		m.Link, m.SubjectType, m.SubjectID = "/inbox/"+strconv.FormatInt(n.ConversationID, 10), "inbox_conversation", n.ConversationID
	} else if n.Kind == NotifyQueuePressure {
		m.Link, m.SubjectType, m.SubjectID = "/inbox/queues", "team", n.TeamID
	}
	if n.Kind == NotifyMention || n.Kind == NotifyPromiseMissed || n.Kind == NotifyPromiseWarning ||
		n.Kind == NotifyEscalationRaised || n.Kind == NotifyEscalationResolved {
		m.Body = n.Text
	}
	if m.DedupeKey == "" && n.ConversationID != 0 {
		// Callers that give no key still notify once per step.
		m.DedupeKey = fmt.Sprintf("%s:%d:%s:%d:%d:%d", n.Kind, n.ConversationID, n.Deadline, n.Due.UnixMicro(), n.PromiseID, n.EscalationID)
	}
	_, err := sn.N.Send(ctx, users, m)
	return err
}
