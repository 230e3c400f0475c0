-- name: MessageByDedupeKey
SELECT id, conversation_id FROM inbox_messages WHERE mailbox_id = $1 AND dedupe_key = $2;

-- name: InsertMessage
INSERT INTO inbox_messages (conversation_id, mailbox_id, direction, channel, person_id, author_user_id,
    from_address, from_name, to_addresses, cc_addresses, reply_to, subject, text_body, html_sanitized,
    message_id, dedupe_key, in_reply_to, refs, headers, auto_kind, language, raw_blob, raw_size, sent_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)
RETURNING id;

-- name: GetMessage
SELECT m.id, m.conversation_id, COALESCE(m.mailbox_id, 0), m.direction, m.channel, COALESCE(m.person_id, 0),
    COALESCE(m.author_user_id, 0), m.from_address, m.from_name, m.to_addresses, m.cc_addresses, m.reply_to, m.subject,
    m.text_body, m.html_sanitized, COALESCE(m.message_id, ''), m.in_reply_to, m.refs, m.headers, m.auto_kind, m.language,
    COALESCE(m.raw_blob, ''), m.raw_size, m.sent_at, m.created_at,
    COALESCE(o.status, ''), COALESCE(o.attempts, 0), COALESCE(o.last_error, ''), o.next_attempt_at, o.sent_at, COALESCE(u.name, '')
FROM inbox_messages m LEFT JOIN inbox_outbox o ON o.message_id = m.id LEFT JOIN users u ON u.id = m.author_user_id
WHERE m.id = $1;

-- name: ConversationMessages
SELECT m.id, m.conversation_id, COALESCE(m.mailbox_id, 0), m.direction, m.channel, COALESCE(m.person_id, 0),
    COALESCE(m.author_user_id, 0), m.from_address, m.from_name, m.to_addresses, m.cc_addresses, m.reply_to, m.subject,
    m.text_body, m.html_sanitized, COALESCE(m.message_id, ''), m.in_reply_to, m.refs, m.headers, m.auto_kind, m.language,
    COALESCE(m.raw_blob, ''), m.raw_size, m.sent_at, m.created_at,
    COALESCE(o.status, ''), COALESCE(o.attempts, 0), COALESCE(o.last_error, ''), o.next_attempt_at, o.sent_at, COALESCE(u.name, ''),
    EXISTS (SELECT 1 FROM inbox_attachments a WHERE a.message_id = m.id)
FROM inbox_messages m LEFT JOIN inbox_outbox o ON o.message_id = m.id LEFT JOIN users u ON u.id = m.author_user_id
WHERE m.conversation_id = $1
ORDER BY m.id;

-- name: InsertAttachment
INSERT INTO inbox_attachments (message_id, filename, content_type, size, content_id, inline, blob_key, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id;

-- name: ConversationAttachments
SELECT a.id, a.message_id, a.filename, a.content_type, a.size, a.content_id, a.inline, a.blob_key, a.created_at
FROM inbox_attachments a JOIN inbox_messages m ON m.id = a.message_id
WHERE m.conversation_id = $1
ORDER BY a.id;

-- name: GetAttachment
SELECT id, message_id, filename, content_type, size, content_id, inline, blob_key, created_at
FROM inbox_attachments WHERE id = $1;

-- name: InsertBlob
INSERT INTO inbox_blobs (blob_key, size, data, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (blob_key) DO NOTHING;

-- name: GetBlob
SELECT data FROM inbox_blobs WHERE blob_key = $1;

-- Only blobs nothing refers to any more.
-- name: DeleteBlob
DELETE FROM inbox_blobs WHERE blob_key = $1
    AND NOT EXISTS (SELECT 1 FROM inbox_messages WHERE raw_blob = $1)
    AND NOT EXISTS (SELECT 1 FROM inbox_attachments WHERE blob_key = $1);
