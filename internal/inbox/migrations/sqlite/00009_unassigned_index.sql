-- +goose Up
-- The unassigned queue in due order (ListUnassigned): without it the walk
-- reads every running conversation, assigned or not, to fill a page.
CREATE INDEX inbox_conversations_unassigned ON inbox_conversations (sort_at, id) WHERE assignee_user_id IS NULL;

-- +goose Down
DROP INDEX inbox_conversations_unassigned;
