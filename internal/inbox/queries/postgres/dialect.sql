-- A transaction-scoped advisory lock: concurrent deliveries of one message
-- (or of two messages from one new sender) wait for each other, so the second
-- sees the first's committed rows instead of failing on a unique index.
-- name: LockKey
SELECT pg_advisory_xact_lock($1);

-- name: LockConversation
SELECT id FROM inbox_conversations WHERE id = $1 FOR UPDATE;

-- name: LockOutbox
SELECT status FROM inbox_outbox WHERE message_id = $1 FOR UPDATE;

-- name: UpsertSearch
INSERT INTO inbox_message_search (message_id, body) VALUES ($1, $2)
ON CONFLICT (message_id) DO UPDATE SET body = excluded.body;

-- The messages a search looks at: the newest 2,000 matching $1 only (as
-- help desks cap search results: a common word matches millions of messages
-- in a large inbox, and ordering all their conversations would take
-- seconds). The newest matches among the newest $2 messages, walking the
-- ids down (a common word fills the 2,000 at once; CASE keeps the GIN index,
-- which would read every match first, out of it); only when they are fewer,
-- the older ones through the GIN index ("+ 0": not a walk, which for a rare
-- or absent word would read every row). Each says whether it also matches
-- $3 ('' for none): a first page's words as typed, which a match of $1, the
-- same words with the last one a prefix, includes (typedCandidates: two
-- walks, one per form, had been most of a three-letter search's time).
-- name: SearchCandidates
WITH recent AS MATERIALIZED (
    SELECT message_id, CASE WHEN $3 = '' THEN FALSE ELSE tsv @@ to_tsquery('simple', $3) END AS typed
    FROM inbox_message_search
    WHERE CASE WHEN tsv @@ to_tsquery('simple', $1) THEN TRUE END
        AND message_id > (SELECT coalesce(max(message_id), 0) - CAST($2 AS BIGINT) FROM inbox_message_search)
    ORDER BY message_id DESC LIMIT 2000)
SELECT message_id, typed FROM recent
UNION ALL
(SELECT message_id, CASE WHEN $3 = '' THEN FALSE ELSE tsv @@ to_tsquery('simple', $3) END FROM inbox_message_search
    WHERE tsv @@ to_tsquery('simple', $1)
        AND message_id <= (SELECT coalesce(max(message_id), 0) - CAST($2 AS BIGINT) FROM inbox_message_search)
        AND (SELECT count(*) FROM recent) < 2000
    ORDER BY message_id + 0 DESC LIMIT 2000)
ORDER BY message_id DESC LIMIT 2000;

-- The conversations of a search's candidate messages ($8: a JSON array of
-- their ids, from SearchCandidates).
-- name: SearchConversations
SELECT c.id, c.row_version
FROM inbox_conversations c
WHERE $1 LIKE ('%,' || c.status || ',%')
    AND (CAST($2 AS BIGINT) = 0 OR (CAST($2 AS BIGINT) = -1 AND c.assignee_user_id IS NULL) OR (CAST($2 AS BIGINT) > 0 AND c.assignee_user_id = CAST($2 AS BIGINT)))
    AND (CAST($3 AS BIGINT) = 0 OR c.team_id = CAST($3 AS BIGINT)
        OR (CAST($3 AS BIGINT) = -1 AND c.team_id IN (SELECT team_id FROM team_members WHERE user_id = CAST($4 AS BIGINT))))
    AND (c.sort_at > $5 OR (c.sort_at = $5 AND c.id > CAST($6 AS BIGINT)))
    AND c.snoozed_until IS NULL
    AND c.id IN (SELECT m.conversation_id FROM inbox_messages m
        WHERE m.id IN (SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST($8 AS JSON))))
ORDER BY c.sort_at, c.id
LIMIT $7;

-- Conversations with their sort key and row version, for the conversation
-- cache; $1: a JSON array of ids.
-- name: ConversationsByID
SELECT id, COALESCE(mailbox_id, 0), subject, COALESCE(person_id, 0), channel, status, priority, COALESCE(team_id, 0),
    COALESCE(assignee_user_id, 0), reference, language, tags, COALESCE(policy_id, 0), COALESCE(follow_up_of_id, 0), first_response_due_at, next_response_due_at, resolution_due_at,
    first_responded_at, last_message_at, last_inbound_at, waiting_since, resolved_at, created_at, updated_at,
    sort_at, row_version
FROM inbox_conversations WHERE id IN (SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST($1 AS JSON)));
