-- SQLite write transactions are IMMEDIATE: one writer at a time, so row
-- and key locks are no-ops.
-- name: LockKey
SELECT $1;

-- name: LockConversation
SELECT id FROM inbox_conversations WHERE id = $1;

-- name: LockOutbox
SELECT status FROM inbox_outbox WHERE message_id = $1;

-- name: UpsertSearch
INSERT OR REPLACE INTO inbox_message_search (rowid, body) VALUES ($1, $2);

-- name: SearchConversations
-- Search looks at the newest 2,000 matching messages only (as help desks cap
-- search results): a common word matches millions of messages in a large
-- inbox, and ordering all their conversations would take seconds. The
-- candidates drive the plan ("+" keeps the sort index out of it).
SELECT c.id, c.row_version
FROM inbox_conversations c
WHERE $1 LIKE ('%,' || c.status || ',%')
    AND (CAST($2 AS BIGINT) = 0 OR (CAST($2 AS BIGINT) = -1 AND c.assignee_user_id IS NULL) OR (CAST($2 AS BIGINT) > 0 AND c.assignee_user_id = CAST($2 AS BIGINT)))
    AND (CAST($3 AS BIGINT) = 0 OR c.team_id = CAST($3 AS BIGINT)
        OR (CAST($3 AS BIGINT) = -1 AND c.team_id IN (SELECT team_id FROM team_members WHERE user_id = CAST($4 AS BIGINT))))
    AND (+c.sort_at > $5 OR (+c.sort_at = $5 AND c.id > CAST($6 AS BIGINT)))
    AND c.snoozed_until IS NULL
    AND c.id IN (SELECT m.conversation_id FROM inbox_messages m WHERE m.id IN (
        SELECT rowid FROM inbox_message_search WHERE inbox_message_search MATCH $8 ORDER BY rowid DESC LIMIT 2000))
ORDER BY +c.sort_at, c.id
LIMIT $7;

-- The first indexed word at or after $1 (fts5vocab rows come in word order;
-- only the first occurrence is read).
-- name: SearchWordFrom
SELECT term FROM inbox_message_search_vocab WHERE term >= $1 LIMIT 1;

-- Conversations with their sort key and row version, for the conversation
-- cache; $1: a JSON array of ids.
-- name: ConversationsByID
SELECT id, COALESCE(mailbox_id, 0), subject, COALESCE(person_id, 0), channel, status, priority, COALESCE(team_id, 0),
    COALESCE(assignee_user_id, 0), reference, language, tags, COALESCE(policy_id, 0), COALESCE(follow_up_of_id, 0), first_response_due_at, next_response_due_at, resolution_due_at,
    first_responded_at, last_message_at, last_inbound_at, waiting_since, resolved_at, created_at, updated_at,
    sort_at, row_version
FROM inbox_conversations WHERE id IN (SELECT value FROM json_each($1));

-- A message's rowid (rowkey) places it beside the rest of its conversation
-- (migration 00012): the next place in the conversation's range, or past
-- the end once a conversation fills its 2^20; its id is the next id.
-- name: InsertMessage
INSERT INTO inbox_messages (rowkey, id, conversation_id, mailbox_id, direction, channel, person_id, author_user_id,
    from_address, from_name, to_addresses, cc_addresses, reply_to, subject, text_body, html_sanitized,
    message_id, dedupe_key, in_reply_to, refs, headers, auto_kind, language, raw_blob, raw_size, sent_at, created_at,
    attachment_count)
VALUES (
    (SELECT CASE WHEN max(rowkey) IS NULL THEN $1 * 1048576 WHEN max(rowkey) < $1 * 1048576 + 1048575 THEN max(rowkey) + 1 END
        FROM inbox_messages WHERE rowkey BETWEEN $1 * 1048576 AND $1 * 1048576 + 1048575),
    (SELECT coalesce(max(id), 0) + 1 FROM inbox_messages),
    $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)
RETURNING id;
