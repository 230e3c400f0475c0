-- +goose Up
-- A conversation's activity log (ListEvents) read from this index alone. A
-- conversation's events are written over days among everyone else's, so
-- read from the table each lies on a page of its own: a tenth of a view's
-- page reads. Events are small rows; the index keeps a conversation's
-- together. It replaces (conversation_id, id), which it begins with.
CREATE INDEX inbox_events_view ON inbox_events (conversation_id, id, kind, actor_user_id, data, created_at);
DROP INDEX inbox_events_conversation;

-- +goose Down
CREATE INDEX inbox_events_conversation ON inbox_events (conversation_id, id);
DROP INDEX inbox_events_view;
