-- +goose Up
-- Requires auth (users), org (teams) and people (people) first.

-- Addresses the organization receives mail at. address is stored lower-case
-- and without a plus tag, so lookups are exact.
CREATE TABLE inbox_mailboxes (
    id INTEGER PRIMARY KEY,
    address TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL DEFAULT '',
    team_id INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- One row of instance-wide secrets (the reply-address signing key), made on
-- first use so that every instance on the database signs alike.
CREATE TABLE inbox_secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Weekly opening hours in a time zone; team_id NULL with is_default = 1 is the
-- organization's. schedule is {"mon": [["09:00","12:00"],["13:00","17:00"]], …},
-- holidays ["2025-12-24", …] (local dates).
CREATE TABLE inbox_business_hours (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    team_id INTEGER REFERENCES teams (id) ON DELETE CASCADE,
    is_default INTEGER NOT NULL DEFAULT 0,
    time_zone TEXT NOT NULL DEFAULT '',
    schedule TEXT NOT NULL DEFAULT '{}',
    holidays TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX inbox_business_hours_team ON inbox_business_hours (team_id) WHERE team_id IS NOT NULL;
CREATE UNIQUE INDEX inbox_business_hours_default ON inbox_business_hours (is_default) WHERE is_default = 1;

-- Response policies, tried in position order; the first whose rules all match
-- applies. Targets are in business seconds; 0 means no target.
CREATE TABLE inbox_policies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL DEFAULT 0,
    enabled INTEGER NOT NULL DEFAULT 1,
    rules TEXT NOT NULL DEFAULT '{}',
    first_response_secs INTEGER NOT NULL DEFAULT 0,
    next_response_secs INTEGER NOT NULL DEFAULT 0,
    resolution_secs INTEGER NOT NULL DEFAULT 0,
    warn_percent INTEGER NOT NULL DEFAULT 80,
    business_hours_id INTEGER REFERENCES inbox_business_hours (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX inbox_policies_order ON inbox_policies (position, id);

CREATE TABLE inbox_conversations (
    id INTEGER PRIMARY KEY,
    mailbox_id INTEGER REFERENCES inbox_mailboxes (id) ON DELETE SET NULL,
    subject TEXT NOT NULL DEFAULT '',
    person_id INTEGER REFERENCES people (id),
    channel TEXT NOT NULL CHECK (channel IN ('email', 'web', 'phone', 'social')),
    status TEXT NOT NULL CHECK (status IN ('new', 'open', 'waiting', 'resolved', 'closed')),
    priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    team_id INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    assignee_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    reference TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    policy_id INTEGER REFERENCES inbox_policies (id) ON DELETE SET NULL,
    follow_up_of_id INTEGER REFERENCES inbox_conversations (id) ON DELETE SET NULL,
    first_response_due_at TIMESTAMP,
    next_response_due_at TIMESTAMP,
    resolution_due_at TIMESTAMP,
    first_responded_at TIMESTAMP,
    last_message_at TIMESTAMP NOT NULL,
    last_inbound_at TIMESTAMP,
    waiting_since TIMESTAMP,
    resolved_at TIMESTAMP,
    -- The earliest running due time, or 9999-12-31 when no clock runs: the
    -- list order, NOT NULL so that keyset pagination needs no NULL cases.
    sort_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX inbox_conversations_sort ON inbox_conversations (sort_at, id);
CREATE INDEX inbox_conversations_status ON inbox_conversations (status, sort_at, id);
CREATE INDEX inbox_conversations_assignee ON inbox_conversations (assignee_user_id, sort_at, id) WHERE assignee_user_id IS NOT NULL;
CREATE INDEX inbox_conversations_team ON inbox_conversations (team_id, sort_at, id) WHERE team_id IS NOT NULL;
CREATE INDEX inbox_conversations_person ON inbox_conversations (person_id) WHERE person_id IS NOT NULL;

-- Content-addressed bytes (raw .eml, attachments): blob_key is "sha256:<hex>".
CREATE TABLE inbox_blobs (
    blob_key TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE inbox_messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES inbox_conversations (id) ON DELETE CASCADE,
    mailbox_id INTEGER REFERENCES inbox_mailboxes (id) ON DELETE SET NULL,
    -- note: an internal note, never sent.
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out', 'note')),
    channel TEXT NOT NULL,
    person_id INTEGER REFERENCES people (id),
    author_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    from_address TEXT NOT NULL DEFAULT '',
    from_name TEXT NOT NULL DEFAULT '',
    to_addresses TEXT NOT NULL DEFAULT '[]',
    cc_addresses TEXT NOT NULL DEFAULT '[]',
    reply_to TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    text_body TEXT NOT NULL DEFAULT '',
    html_sanitized TEXT NOT NULL DEFAULT '',
    message_id TEXT,
    -- message_id, or a content hash when the message has none: what a
    -- redelivery is recognised by.
    dedupe_key TEXT,
    in_reply_to TEXT NOT NULL DEFAULT '',
    refs TEXT NOT NULL DEFAULT '[]',
    headers TEXT NOT NULL DEFAULT '{}',
    auto_kind TEXT NOT NULL DEFAULT 'none',
    language TEXT NOT NULL DEFAULT '',
    raw_blob TEXT,
    raw_size INTEGER NOT NULL DEFAULT 0,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX inbox_messages_conversation ON inbox_messages (conversation_id, id);
CREATE UNIQUE INDEX inbox_messages_dedupe ON inbox_messages (mailbox_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX inbox_messages_message_id ON inbox_messages (mailbox_id, message_id) WHERE message_id IS NOT NULL;
CREATE INDEX inbox_messages_person ON inbox_messages (person_id) WHERE person_id IS NOT NULL;

CREATE TABLE inbox_attachments (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES inbox_messages (id) ON DELETE CASCADE,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_id TEXT NOT NULL DEFAULT '',
    inline INTEGER NOT NULL DEFAULT 0,
    -- NULL when the part was too large to keep.
    blob_key TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX inbox_attachments_message ON inbox_attachments (message_id);

-- Everyone a conversation's messages came from or went to, lower-case: the
-- [HK-n] subject token is only trusted from these.
CREATE TABLE inbox_participants (
    conversation_id INTEGER NOT NULL REFERENCES inbox_conversations (id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    PRIMARY KEY (conversation_id, address)
);

-- See textsearch: rowid = inbox_messages.id, body = textsearch.IndexText(...).
CREATE VIRTUAL TABLE inbox_message_search USING fts5 (body, tokenize = 'unicode61 remove_diacritics 0');
-- A virtual table has no foreign keys: drop search rows with their messages
-- (conversation deletes cascade to messages, and so here).
-- +goose StatementBegin
CREATE TRIGGER inbox_messages_search_delete AFTER DELETE ON inbox_messages BEGIN
    DELETE FROM inbox_message_search WHERE rowid = old.id;
END;
-- +goose StatementEnd

CREATE TABLE inbox_outbox (
    message_id INTEGER PRIMARY KEY REFERENCES inbox_messages (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    next_attempt_at TIMESTAMP,
    -- A worker holds the message while it talks to the relay.
    claimed_until TIMESTAMP,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX inbox_outbox_status ON inbox_outbox (status, next_attempt_at);

CREATE TABLE inbox_ack_log (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id),
    channel TEXT NOT NULL,
    conversation_id INTEGER REFERENCES inbox_conversations (id) ON DELETE SET NULL,
    message_id INTEGER REFERENCES inbox_messages (id) ON DELETE SET NULL,
    sent_at TIMESTAMP NOT NULL
);
CREATE INDEX inbox_ack_log_person ON inbox_ack_log (person_id, channel, sent_at);

-- What happened to a conversation besides messages: status changes,
-- assignment, acknowledgements, deadline warnings and breaches. dedupe_key
-- keeps a retried job from recording its event twice.
CREATE TABLE inbox_events (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES inbox_conversations (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    actor_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    data TEXT NOT NULL DEFAULT '{}',
    dedupe_key TEXT UNIQUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX inbox_events_conversation ON inbox_events (conversation_id, id);

-- +goose Down
DROP TABLE inbox_events;
DROP TABLE inbox_ack_log;
DROP TABLE inbox_outbox;
DROP TABLE inbox_message_search;
DROP TABLE inbox_participants;
DROP TABLE inbox_attachments;
DROP TABLE inbox_messages;
DROP TABLE inbox_blobs;
DROP TABLE inbox_conversations;
DROP TABLE inbox_policies;
DROP TABLE inbox_business_hours;
DROP TABLE inbox_secrets;
DROP TABLE inbox_mailboxes;
