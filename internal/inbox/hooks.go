package inbox

import "context"

// OpenHook runs inside the transaction that created a conversation, on every
// channel, after its "created" event: routing assigns it there, webhooks
// queue their delivery. An error rolls the whole ingestion back, so a hook
// must only fail when the conversation must not exist without it.
type OpenHook func(ctx context.Context, c *Conversation) error

// onOpen registers h; New's callers and the service's own features add hooks
// before the service is used (not safe for concurrent registration).
func (s *Service) onOpen(h OpenHook) { s.openHooks = append(s.openHooks, h) }

// opened runs the open hooks for c. Every path that creates a conversation
// (e-mail, web form, phone, social) calls it once.
func (s *Service) opened(ctx context.Context, c *Conversation) error {
	for _, h := range s.openHooks {
		if err := h(ctx, c); err != nil {
			return err
		}
	}
	return nil
}
