package inbox

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hearken-org/hearken/internal/auth"
)

// Mentions in internal notes use people's notes syntax: "@ayse" (the local
// part of a staff e-mail address) or "@[Ayşe Yılmaz](user:12)".
var (
	noteMentionLink   = regexp.MustCompile(`@\[[^\]\n]{0,200}\]\(user:(\d{1,18})\)`)
	noteMentionHandle = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_.@+-])@([\p{L}\p{N}][\p{L}\p{N}._+-]{0,63})`)
)

// mentionedUsers resolves the staff mentioned in text to active users who
// may read the inbox; an ambiguous handle (two users share the local part)
// is left out.
func (s *Service) mentionedUsers(ctx context.Context, text string) ([]int64, error) {
	var ids []int64
	for _, m := range noteMentionLink.FindAllStringSubmatch(text, -1) {
		if id, err := strconv.ParseInt(m[1], 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	rest := noteMentionLink.ReplaceAllString(text, " ")
	for _, m := range noteMentionHandle.FindAllStringSubmatch(rest, -1) {
		id, err := s.ResolveHandle(ctx, strings.TrimRight(m[1], "."))
		if err != nil {
			return nil, err
		}
		if id != 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var out []int64
	for _, id := range slices.Compact(ids) {
		var n int
		if err := s.q.QueryRow(ctx, "RtUserActive", id, true).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			out = append(out, id)
		}
	}
	return out, nil
}

// ResolveHandle maps "@handle" to the one active user whose e-mail address
// has that local part (0 when none or several); people's notes use it too.
func (s *Service) ResolveHandle(ctx context.Context, handle string) (int64, error) {
	if handle == "" {
		return 0, nil
	}
	esc := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(strings.ToLower(handle))
	ids, err := s.ids(ctx, "RtUsersByHandle", esc+"@%", true)
	if err != nil || len(ids) != 1 {
		return 0, err
	}
	return ids[0], nil
}

// noteMentions notifies the staff mentioned in an internal note, in the
// note's transaction.
func (s *Service) noteMentions(ctx context.Context, c *Conversation, m *Message) error {
	users, err := s.mentionedUsers(ctx, m.Text)
	if err != nil || len(users) == 0 {
		return err
	}
	var keep []int64
	for _, id := range users {
		var role string
		if err := s.q.QueryRow(ctx, "RtUserRole", id).Scan(&role); err != nil {
			return err
		}
		if auth.Can(auth.Role(role), auth.PermInboxView) {
			keep = append(keep, id)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	a, _ := auth.ActorFrom(ctx)
	if _, err := s.addEvent(ctx, c.ID, NotifyMention, map[string]any{"message_id": m.ID, "users": keep}, ""); err != nil {
		return err
	}
	return s.cfg.Notifier.Notify(ctx, Notification{Kind: NotifyMention, ConversationID: c.ID, Reference: c.Reference,
		Subject: c.Subject, AssigneeUserID: c.AssigneeUserID, TeamID: c.TeamID, UserIDs: keep, Text: m.Text,
		ActorUserID: a.UserID, ActorName: a.Name, MessageID: m.ID, DedupeKey: "mention:" + strconv.FormatInt(m.ID, 10)})
}
