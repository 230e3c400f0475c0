-- +goose Up
-- row_version changes whenever a conversation row does, so an instance can
-- keep decoded rows and reuse one while its version still matches (the
-- conversation cache, convcache.go). Random rather than counted: SQLite
-- reuses the largest id after a delete, and a new row must not match a
-- cached one. Inserts set a random version themselves; every UPDATE,
-- whichever statement or foreign-key action makes it, gets a new one here.
ALTER TABLE inbox_conversations ADD COLUMN row_version INTEGER NOT NULL DEFAULT 0;

-- +goose StatementBegin
CREATE TRIGGER inbox_conversations_row_version AFTER UPDATE ON inbox_conversations FOR EACH ROW
BEGIN
    UPDATE inbox_conversations SET row_version = random() WHERE id = NEW.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER inbox_conversations_row_version;
ALTER TABLE inbox_conversations DROP COLUMN row_version;
