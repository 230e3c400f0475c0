-- name: MessageByDedupeKey
SELECT id, conversation_id FROM inbox_messages WHERE mailbox_id = $1 AND dedupe_key = $2;

-- name: InsertMessage
INSERT INTO inbox_messages (conversation_id, mailbox_id, direction, channel, person_id, author_user_id,
    from_address, from_name, to_addresses, cc_addresses, reply_to, subject, text_body, html_sanitized,
    message_id, dedupe_key, in_reply_to, refs, headers, auto_kind, language, raw_blob, raw_size, sent_at, created_at,
    attachment_count)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)
RETURNING id;

-- A message as the view shows it, from its row alone: the delivery columns
-- mirror its outbox row and attachment_count its attachments (migration
-- 00010), and the author's name comes from the service's staff names.
-- name: GetMessage
SELECT id, conversation_id, COALESCE(mailbox_id, 0), direction, channel, COALESCE(person_id, 0),
    COALESCE(author_user_id, 0), from_address, from_name, to_addresses, cc_addresses, reply_to, subject,
    text_body, html_sanitized, COALESCE(message_id, ''), in_reply_to, refs, headers, auto_kind, language,
    COALESCE(raw_blob, ''), raw_size, sent_at, created_at,
    delivery_status, delivery_attempts, delivery_error, delivery_next_at, delivered_at, attachment_count
FROM inbox_messages WHERE id = $1;

-- name: ConversationMessages
SELECT id, conversation_id, COALESCE(mailbox_id, 0), direction, channel, COALESCE(person_id, 0),
    COALESCE(author_user_id, 0), from_address, from_name, to_addresses, cc_addresses, reply_to, subject,
    text_body, html_sanitized, COALESCE(message_id, ''), in_reply_to, refs, headers, auto_kind, language,
    COALESCE(raw_blob, ''), raw_size, sent_at, created_at,
    delivery_status, delivery_attempts, delivery_error, delivery_next_at, delivered_at, attachment_count
FROM inbox_messages WHERE conversation_id = $1
ORDER BY id;

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

-- Every staff member's name, for the authors of messages (staffnames.go);
-- deactivated ones too, whose messages stay.
-- name: StaffNames
SELECT id, name FROM users;
