-- +goose Up
-- Non-e-mail channels (web form, phone, social) and IMAP mailboxes.

-- A message a channel identifies itself (a form submission's token, a
-- platform's message id, a logged call) is stored once: dedupe_key carries a
-- channel prefix ("web:…", "social:<channel>:…", "call:…").
CREATE UNIQUE INDEX inbox_messages_external ON inbox_messages (dedupe_key)
    WHERE channel <> 'email' AND dedupe_key IS NOT NULL;

-- Social channels: a bridge posts what people write on a platform, signed
-- with secret; staff replies are posted to outbound_url, signed alike.
CREATE TABLE inbox_social_channels (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL,
    secret BLOB NOT NULL,
    outbound_url TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Which social channel a conversation runs on (replies go back there).
ALTER TABLE inbox_conversations ADD COLUMN social_channel_id INTEGER REFERENCES inbox_social_channels (id) ON DELETE SET NULL;

-- Signatures seen recently: a replayed webhook request is refused.
CREATE TABLE inbox_social_nonces (
    channel_id INTEGER NOT NULL REFERENCES inbox_social_channels (id) ON DELETE CASCADE,
    signature TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (channel_id, signature)
);
CREATE INDEX inbox_social_nonces_created ON inbox_social_nonces (created_at);

-- Fixed-window counters (the web form's per-IP limit), shared by instances.
CREATE TABLE inbox_rate_limits (
    bucket TEXT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX inbox_rate_limits_window ON inbox_rate_limits (window_start);

-- IMAP settings of a mailbox (imaps://user@host:993/INBOX); the password is
-- never shown back.
CREATE TABLE inbox_mailbox_imap (
    mailbox_id INTEGER PRIMARY KEY REFERENCES inbox_mailboxes (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    password TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The IMAP poller's cursor per remote mailbox (email.MailboxState).
CREATE TABLE inbox_imap_state (
    mailbox_key TEXT PRIMARY KEY,
    uid_validity INTEGER NOT NULL,
    last_uid INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE inbox_imap_state;
DROP TABLE inbox_mailbox_imap;
DROP TABLE inbox_rate_limits;
DROP TABLE inbox_social_nonces;
ALTER TABLE inbox_conversations DROP COLUMN social_channel_id;
DROP TABLE inbox_social_channels;
DROP INDEX inbox_messages_external;
