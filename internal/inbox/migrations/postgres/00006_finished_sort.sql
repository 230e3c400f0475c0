-- +goose Up
-- Resolved and closed conversations sort after those without a running
-- clock (finishedSort in types.go), so lists of active work end their index
-- range before the finished history.
UPDATE inbox_conversations SET sort_at = '9999-12-31 12:00:00+00' WHERE status IN ('resolved', 'closed');

-- +goose Down
UPDATE inbox_conversations SET sort_at = '9999-12-31 00:00:00+00' WHERE status IN ('resolved', 'closed');
