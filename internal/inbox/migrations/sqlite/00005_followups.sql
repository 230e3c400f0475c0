-- +goose Up
-- Promises and follow-ups, escalations to leadership, managed topics and
-- the organization's own acknowledgement templates.

-- A promise an agent made on a conversation ("I'll confirm the receipt by
-- Friday"): a follow-up owned by one user, due at due_at. status is open
-- until kept (done, or a reply that referenced it) or cancelled; missed_at
-- and escalated_at record the breach steps once each.
CREATE TABLE inbox_promises (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES inbox_conversations (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    owner_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_by_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'kept', 'cancelled')),
    kept_at TIMESTAMP,
    kept_by_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    kept_message_id INTEGER REFERENCES inbox_messages (id) ON DELETE SET NULL,
    warned_at TIMESTAMP,
    missed_at TIMESTAMP,
    escalated_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX inbox_promises_conversation ON inbox_promises (conversation_id, id);
CREATE INDEX inbox_promises_owner_open ON inbox_promises (owner_user_id, due_at, id) WHERE status = 'open';

-- An escalation to leadership, with a reason and a severity, open until
-- resolved (de-escalated) with a note.
CREATE TABLE inbox_escalations (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES inbox_conversations (id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    raised_by_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    resolved_by_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    resolution TEXT NOT NULL DEFAULT '',
    resolved_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX inbox_escalations_conversation ON inbox_escalations (conversation_id, id);
CREATE INDEX inbox_escalations_open ON inbox_escalations (created_at, id) WHERE status = 'open';

-- The managed list of topics ("receipt missing", "wheelchair access");
-- name_key is the case-folded name, unique.
CREATE TABLE inbox_topics (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Topics of a conversation. raised_at is the conversation's creation time
-- (when the person raised it), so "who else raised this in the last 30
-- days" is one range scan of (topic_id, raised_at).
CREATE TABLE inbox_conversation_topics (
    conversation_id INTEGER NOT NULL REFERENCES inbox_conversations (id) ON DELETE CASCADE,
    topic_id INTEGER NOT NULL REFERENCES inbox_topics (id) ON DELETE CASCADE,
    raised_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (conversation_id, topic_id)
);
CREATE INDEX inbox_conversation_topics_recent ON inbox_conversation_topics (topic_id, raised_at, conversation_id);

-- Acknowledgement wording per language and channel; without a row the
-- catalog's text is used. subject and body are templates over a fixed set of
-- variables ({{.FirstName}}, {{.Reference}} …), validated on save.
CREATE TABLE inbox_ack_templates (
    id INTEGER PRIMARY KEY,
    language TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'web', 'social')),
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_by_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (language, channel)
);

-- +goose Down
DROP TABLE inbox_ack_templates;
DROP TABLE inbox_conversation_topics;
DROP TABLE inbox_topics;
DROP TABLE inbox_escalations;
DROP TABLE inbox_promises;
