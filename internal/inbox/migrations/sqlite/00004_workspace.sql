-- +goose Up
-- The agent workspace: canned responses, signatures, presence (collision
-- detection), snooze and merge.

-- A canned response is shared (owner_user_id NULL) or one agent's own. Its
-- bodies, one per language, live in inbox_canned_variants.
CREATE TABLE inbox_canned_responses (
    id INTEGER PRIMARY KEY,
    owner_user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    shortcut TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX inbox_canned_owner ON inbox_canned_responses (owner_user_id, title);

CREATE TABLE inbox_canned_variants (
    canned_id INTEGER NOT NULL REFERENCES inbox_canned_responses (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    PRIMARY KEY (canned_id, language)
);

-- A signature belongs to a user or a team, per language ('' for any).
CREATE TABLE inbox_signatures (
    id INTEGER PRIMARY KEY,
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    team_id INTEGER REFERENCES teams (id) ON DELETE CASCADE,
    language TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((user_id IS NULL) <> (team_id IS NULL))
);
CREATE UNIQUE INDEX inbox_signatures_user ON inbox_signatures (user_id, language) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX inbox_signatures_team ON inbox_signatures (team_id, language) WHERE team_id IS NOT NULL;

-- Who is looking at (or typing in) a conversation, refreshed by heartbeats;
-- rows older than the presence TTL are ignored and swept.
CREATE TABLE inbox_presence (
    conversation_id INTEGER NOT NULL REFERENCES inbox_conversations (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    typing INTEGER NOT NULL DEFAULT 0,
    seen_at TIMESTAMP NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX inbox_presence_seen ON inbox_presence (seen_at);

-- Snoozed conversations leave the views until snoozed_until (a job, or the
-- person writing, wakes them); a merged one points at where it went.
ALTER TABLE inbox_conversations ADD COLUMN snoozed_until TIMESTAMP;
ALTER TABLE inbox_conversations ADD COLUMN merged_into_id INTEGER REFERENCES inbox_conversations (id) ON DELETE SET NULL;
CREATE INDEX inbox_conversations_snoozed ON inbox_conversations (snoozed_until) WHERE snoozed_until IS NOT NULL;

-- +goose Down
DROP INDEX inbox_conversations_snoozed;
ALTER TABLE inbox_conversations DROP COLUMN merged_into_id;
ALTER TABLE inbox_conversations DROP COLUMN snoozed_until;
DROP TABLE inbox_presence;
DROP TABLE inbox_signatures;
DROP TABLE inbox_canned_variants;
DROP TABLE inbox_canned_responses;
