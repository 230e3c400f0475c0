-- +goose Up
-- +goose NO TRANSACTION
-- A conversation's messages side by side in the file. They arrive over
-- days among everyone else's, so stored in id order each lies on a page of
-- its own, and a conversation view read one page (a pread beyond SQLite's
-- 2 GB memory map) per message. The table's rowid is now rowkey,
-- conversation_id × 2^20 + the message's place in it, which InsertMessage
-- assigns (a millionth message in one conversation gets a rowid past the
-- end instead); the id stays the message's identity (unique, the key
-- other tables and the full-text rows refer to, max + 1 like a rowid).
-- A message moved by a merge keeps its rowkey: still found through
-- (conversation_id, id), only no longer beside the others.
--
-- The table is rebuilt as SQLite's documented procedure for a new primary
-- key: with foreign keys off (so dropping the old table cascades to nothing;
-- a pragma a transaction cannot change, hence no goose transaction and one
-- of our own), copied in (conversation_id, id) order, and renamed in legacy
-- mode, in which the rename neither rewrites nor checks what names
-- inbox_messages: the tables that refer to it (attachments, outbox, ack
-- log, promises) and the outbox's mirror triggers then name the new table.
-- On a large database this copies every message once (minutes for ten
-- million).
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE inbox_messages_rebuilt (
    rowkey INTEGER PRIMARY KEY,
    id INTEGER NOT NULL UNIQUE,
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
    created_at TIMESTAMP NOT NULL,
    attachment_count INTEGER NOT NULL DEFAULT 0,
    delivery_status TEXT NOT NULL DEFAULT '',
    delivery_attempts INTEGER NOT NULL DEFAULT 0,
    delivery_error TEXT NOT NULL DEFAULT '',
    delivery_next_at TIMESTAMP,
    delivered_at TIMESTAMP
);
INSERT INTO inbox_messages_rebuilt (rowkey, id, conversation_id, mailbox_id, direction, channel, person_id, author_user_id, from_address, from_name, to_addresses, cc_addresses, reply_to, subject, text_body, html_sanitized, message_id, dedupe_key, in_reply_to, refs, headers, auto_kind, language, raw_blob, raw_size, sent_at, created_at, attachment_count, delivery_status, delivery_attempts, delivery_error, delivery_next_at, delivered_at)
SELECT m.conversation_id * 1048576 + (SELECT count(*) FROM inbox_messages p
        WHERE p.conversation_id = m.conversation_id AND p.id < m.id),
    m.id, m.conversation_id, m.mailbox_id, m.direction, m.channel, m.person_id, m.author_user_id, m.from_address, m.from_name, m.to_addresses, m.cc_addresses, m.reply_to, m.subject, m.text_body, m.html_sanitized, m.message_id, m.dedupe_key, m.in_reply_to, m.refs, m.headers, m.auto_kind, m.language, m.raw_blob, m.raw_size, m.sent_at, m.created_at, m.attachment_count, m.delivery_status, m.delivery_attempts, m.delivery_error, m.delivery_next_at, m.delivered_at
FROM inbox_messages m ORDER BY m.conversation_id, m.id;
DROP TABLE inbox_messages;
PRAGMA legacy_alter_table = ON;
ALTER TABLE inbox_messages_rebuilt RENAME TO inbox_messages;
PRAGMA legacy_alter_table = OFF;
CREATE INDEX inbox_messages_conversation ON inbox_messages (conversation_id, id);
CREATE UNIQUE INDEX inbox_messages_dedupe ON inbox_messages (mailbox_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX inbox_messages_message_id ON inbox_messages (mailbox_id, message_id) WHERE message_id IS NOT NULL;
CREATE INDEX inbox_messages_person ON inbox_messages (person_id) WHERE person_id IS NOT NULL;
CREATE UNIQUE INDEX inbox_messages_external ON inbox_messages (dedupe_key)
    WHERE channel <> 'email' AND dedupe_key IS NOT NULL;
-- +goose StatementBegin
CREATE TRIGGER inbox_messages_search_delete AFTER DELETE ON inbox_messages BEGIN
    DELETE FROM inbox_message_search WHERE rowid = old.id;
END;
-- +goose StatementEnd
COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
-- +goose NO TRANSACTION
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE inbox_messages_rebuilt (
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
    created_at TIMESTAMP NOT NULL,
    attachment_count INTEGER NOT NULL DEFAULT 0,
    delivery_status TEXT NOT NULL DEFAULT '',
    delivery_attempts INTEGER NOT NULL DEFAULT 0,
    delivery_error TEXT NOT NULL DEFAULT '',
    delivery_next_at TIMESTAMP,
    delivered_at TIMESTAMP
);
INSERT INTO inbox_messages_rebuilt (id, conversation_id, mailbox_id, direction, channel, person_id, author_user_id, from_address, from_name, to_addresses, cc_addresses, reply_to, subject, text_body, html_sanitized, message_id, dedupe_key, in_reply_to, refs, headers, auto_kind, language, raw_blob, raw_size, sent_at, created_at, attachment_count, delivery_status, delivery_attempts, delivery_error, delivery_next_at, delivered_at)
SELECT id, conversation_id, mailbox_id, direction, channel, person_id, author_user_id, from_address, from_name, to_addresses, cc_addresses, reply_to, subject, text_body, html_sanitized, message_id, dedupe_key, in_reply_to, refs, headers, auto_kind, language, raw_blob, raw_size, sent_at, created_at, attachment_count, delivery_status, delivery_attempts, delivery_error, delivery_next_at, delivered_at FROM inbox_messages ORDER BY id;
DROP TABLE inbox_messages;
PRAGMA legacy_alter_table = ON;
ALTER TABLE inbox_messages_rebuilt RENAME TO inbox_messages;
PRAGMA legacy_alter_table = OFF;
CREATE INDEX inbox_messages_conversation ON inbox_messages (conversation_id, id);
CREATE UNIQUE INDEX inbox_messages_dedupe ON inbox_messages (mailbox_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX inbox_messages_message_id ON inbox_messages (mailbox_id, message_id) WHERE message_id IS NOT NULL;
CREATE INDEX inbox_messages_person ON inbox_messages (person_id) WHERE person_id IS NOT NULL;
CREATE UNIQUE INDEX inbox_messages_external ON inbox_messages (dedupe_key)
    WHERE channel <> 'email' AND dedupe_key IS NOT NULL;
-- +goose StatementBegin
CREATE TRIGGER inbox_messages_search_delete AFTER DELETE ON inbox_messages BEGIN
    DELETE FROM inbox_message_search WHERE rowid = old.id;
END;
-- +goose StatementEnd
COMMIT;
PRAGMA foreign_keys = ON;
