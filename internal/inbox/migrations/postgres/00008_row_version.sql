-- +goose Up
-- row_version changes whenever a conversation row does, so an instance can
-- keep decoded rows and reuse one while its version still matches (the
-- conversation cache, convcache.go); several instances sharing the database
-- each check it. Inserts set a random version themselves; every UPDATE,
-- whichever statement or foreign-key action makes it, gets a new one here.
ALTER TABLE inbox_conversations ADD COLUMN row_version BIGINT NOT NULL DEFAULT 0;

-- +goose StatementBegin
CREATE FUNCTION inbox_conversations_row_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.row_version := floor(random() * 9.2e18)::bigint;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER inbox_conversations_row_version BEFORE UPDATE ON inbox_conversations
FOR EACH ROW EXECUTE FUNCTION inbox_conversations_row_version();

-- +goose Down
DROP TRIGGER inbox_conversations_row_version ON inbox_conversations;
DROP FUNCTION inbox_conversations_row_version();
ALTER TABLE inbox_conversations DROP COLUMN row_version;
