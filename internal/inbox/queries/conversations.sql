-- name: InsertConversation
INSERT INTO inbox_conversations (mailbox_id, subject, person_id, channel, status, priority, team_id,
    assignee_user_id, reference, language, tags, policy_id, follow_up_of_id, first_response_due_at,
    next_response_due_at, resolution_due_at, first_responded_at, last_message_at, last_inbound_at,
    waiting_since, resolved_at, sort_at, created_at, updated_at, row_version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $23, $24)
RETURNING id;

-- Every mutable field at once: services read, change and write back the
-- whole state under the row lock, so derived columns (sort_at) never drift.
-- name: SaveConversation
UPDATE inbox_conversations SET subject = $2, person_id = $3, status = $4, priority = $5, team_id = $6,
    assignee_user_id = $7, reference = $8, language = $9, tags = $10, policy_id = $11,
    first_response_due_at = $12, next_response_due_at = $13, resolution_due_at = $14,
    first_responded_at = $15, last_message_at = $16, last_inbound_at = $17, waiting_since = $18,
    resolved_at = $19, sort_at = $20, updated_at = $21
WHERE id = $1;

-- name: GetConversation
SELECT id, COALESCE(mailbox_id, 0), subject, COALESCE(person_id, 0), channel, status, priority, COALESCE(team_id, 0),
    COALESCE(assignee_user_id, 0), reference, language, tags, COALESCE(policy_id, 0), COALESCE(follow_up_of_id, 0), first_response_due_at, next_response_due_at, resolution_due_at,
    first_responded_at, last_message_at, last_inbound_at, waiting_since, resolved_at, created_at, updated_at,
    snoozed_until, COALESCE(merged_into_id, 0)
FROM inbox_conversations WHERE id = $1;

-- $1: allowed statuses as ",new,open,"; $2: assignee (>0 that user, -1 nobody,
-- 0 any); $3: team (>0 that team, -1 the actor's teams, 0 any); $4: the actor;
-- ($5, $6): keyset cursor (sort_at, id), a row comparison that both engines
-- read as an index range (an OR of the two conditions made PostgreSQL's
-- generic plan sort every running conversation); $7: limit; $8: the last
-- sort key the statuses can hold (sortUntil), which ends the index range.
-- Here and in every list, "$2 > 0 AND" lets PostgreSQL drop the assignee
-- test from a plan for nobody's conversations, which then walks the
-- unassigned index in order (a filtered unassigned list: 1.1 → 0.08 ms).
-- name: ListConversations
SELECT c.id, c.row_version
FROM inbox_conversations c
WHERE $1 LIKE ('%,' || c.status || ',%')
    AND (CAST($2 AS BIGINT) = 0 OR (CAST($2 AS BIGINT) = -1 AND c.assignee_user_id IS NULL) OR (CAST($2 AS BIGINT) > 0 AND c.assignee_user_id = CAST($2 AS BIGINT)))
    AND (CAST($3 AS BIGINT) = 0 OR c.team_id = CAST($3 AS BIGINT)
        OR (CAST($3 AS BIGINT) = -1 AND c.team_id IN (SELECT team_id FROM team_members WHERE user_id = CAST($4 AS BIGINT))))
    AND (c.sort_at, c.id) > ($5, CAST($6 AS BIGINT)) AND c.sort_at <= $8
    AND c.snoozed_until IS NULL
ORDER BY c.sort_at, c.id
LIMIT $7;

-- name: LastInbound
SELECT id FROM inbox_messages WHERE conversation_id = $1 AND direction = 'in' ORDER BY id DESC LIMIT 1;

-- Inbound list mail is no thread root: had a newsletter reached the mailbox,
-- every reader's "Re:" would otherwise pile into its conversation.
-- name: ConversationOfMessageID
SELECT conversation_id FROM inbox_messages
WHERE mailbox_id = $1 AND message_id = $2 AND NOT (direction = 'in' AND auto_kind = 'bulk')
ORDER BY id LIMIT 1;

-- name: ConversationExists
SELECT status FROM inbox_conversations WHERE id = $1;

-- name: IsParticipant
SELECT count(*) FROM inbox_participants WHERE conversation_id = $1 AND address = $2;

-- name: InsertParticipant
INSERT INTO inbox_participants (conversation_id, address) VALUES ($1, $2) ON CONFLICT DO NOTHING;

-- name: InsertEvent
INSERT INTO inbox_events (conversation_id, kind, actor_user_id, data, dedupe_key, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id;

-- name: ListEvents
SELECT id, conversation_id, kind, actor_user_id, data, created_at FROM inbox_events
WHERE conversation_id = $1 ORDER BY id;

-- name: UserExists
SELECT count(*) FROM users WHERE id = $1;

-- name: TeamExists
SELECT count(*) FROM teams WHERE id = $1;

-- name: MovePersonConversations
UPDATE inbox_conversations SET person_id = $1 WHERE person_id = $2;

-- name: MovePersonMessages
UPDATE inbox_messages SET person_id = $1 WHERE person_id = $2;

-- name: MovePersonAcks
UPDATE inbox_ack_log SET person_id = $1 WHERE person_id = $2;

-- name: BlobsOfPerson
SELECT m.raw_blob FROM inbox_messages m JOIN inbox_conversations c ON c.id = m.conversation_id
WHERE c.person_id = $1 AND m.raw_blob IS NOT NULL
UNION
SELECT a.blob_key FROM inbox_attachments a JOIN inbox_messages m ON m.id = a.message_id
    JOIN inbox_conversations c ON c.id = m.conversation_id
WHERE c.person_id = $1 AND a.blob_key IS NOT NULL;

-- name: DeletePersonConversations
DELETE FROM inbox_conversations WHERE person_id = $1;

-- name: DeletePersonAcks
DELETE FROM inbox_ack_log WHERE person_id = $1;

-- name: UnlinkPersonMessages
UPDATE inbox_messages SET person_id = NULL WHERE person_id = $1;

-- One agent's conversations ("mine"): the same page as ListConversations,
-- written so that the planner walks inbox_conversations_assignee in order
-- (ListConversations' generic conditions keep it on the sort index, which
-- reads every running conversation of every agent to fill one page).
-- name: ListAssigned
SELECT c.id, c.row_version
FROM inbox_conversations c
WHERE c.assignee_user_id = CAST($2 AS BIGINT)
    AND $1 LIKE ('%,' || c.status || ',%')
    AND (c.sort_at, c.id) > ($3, CAST($4 AS BIGINT)) AND c.sort_at <= $6
    AND c.snoozed_until IS NULL
ORDER BY c.sort_at, c.id
LIMIT $5;

-- The unassigned queue: the same page as ListConversations for nobody's
-- conversations, walking inbox_conversations_unassigned (migration 00009)
-- instead of every running conversation on the sort index. $2, $3: cursor;
-- $4: limit; $5: sortUntil.
-- name: ListUnassigned
SELECT c.id, c.row_version
FROM inbox_conversations c
WHERE c.assignee_user_id IS NULL
    AND $1 LIKE ('%,' || c.status || ',%')
    AND (c.sort_at, c.id) > ($2, CAST($3 AS BIGINT)) AND c.sort_at <= $5
    AND c.snoozed_until IS NULL
ORDER BY c.sort_at, c.id
LIMIT $4;
