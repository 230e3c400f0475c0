-- Promises, escalations, topics and acknowledgement templates (migration 00005).

-- name: InsertPromise
INSERT INTO inbox_promises (conversation_id, text, due_at, owner_user_id, created_by_user_id, status, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, 'open', $6, $6)
RETURNING id;

-- name: GetPromise
SELECT p.id, p.conversation_id, p.text, p.due_at, p.owner_user_id, p.created_by_user_id, p.status, p.kept_at,
    p.kept_by_user_id, p.kept_message_id, p.warned_at, p.missed_at, p.escalated_at, p.created_at, p.updated_at,
    c.reference, c.subject, c.team_id
FROM inbox_promises p JOIN inbox_conversations c ON c.id = p.conversation_id
WHERE p.id = $1;

-- name: ConversationPromises
SELECT p.id, p.conversation_id, p.text, p.due_at, p.owner_user_id, p.created_by_user_id, p.status, p.kept_at,
    p.kept_by_user_id, p.kept_message_id, p.warned_at, p.missed_at, p.escalated_at, p.created_at, p.updated_at,
    c.reference, c.subject, c.team_id
FROM inbox_promises p JOIN inbox_conversations c ON c.id = p.conversation_id
WHERE p.conversation_id = $1
ORDER BY p.status = 'open' DESC, p.due_at, p.id;

-- Open promises of one owner, soonest first, due before $2.
-- name: OwnerOpenPromises
SELECT p.id, p.conversation_id, p.text, p.due_at, p.owner_user_id, p.created_by_user_id, p.status, p.kept_at,
    p.kept_by_user_id, p.kept_message_id, p.warned_at, p.missed_at, p.escalated_at, p.created_at, p.updated_at,
    c.reference, c.subject, c.team_id
FROM inbox_promises p JOIN inbox_conversations c ON c.id = p.conversation_id
WHERE p.owner_user_id = $1 AND p.status = 'open' AND p.due_at <= $2
ORDER BY p.due_at, p.id
LIMIT $3;

-- name: KeepPromise
UPDATE inbox_promises SET status = 'kept', kept_at = $2, kept_by_user_id = $3, kept_message_id = $4, updated_at = $2
WHERE id = $1 AND status = 'open';

-- name: CancelPromise
UPDATE inbox_promises SET status = 'cancelled', updated_at = $2 WHERE id = $1 AND status = 'open';

-- name: MarkPromiseWarned
UPDATE inbox_promises SET warned_at = $2, updated_at = $2 WHERE id = $1;

-- name: MarkPromiseMissed
UPDATE inbox_promises SET missed_at = $2, updated_at = $2 WHERE id = $1;

-- name: MarkPromiseEscalated
UPDATE inbox_promises SET escalated_at = $2, updated_at = $2 WHERE id = $1;

-- name: TeamManager
SELECT COALESCE(manager_user_id, 0) FROM teams WHERE id = $1;

-- name: ActiveUserExists
SELECT COUNT(*) FROM users WHERE id = $1 AND active;

-- Leadership: active administrators.
-- name: LeadershipUsers
SELECT id FROM users WHERE role = 'admin' AND active ORDER BY id;

-- name: InsertEscalation
INSERT INTO inbox_escalations (conversation_id, reason, severity, status, raised_by_user_id, created_at, updated_at)
VALUES ($1, $2, $3, 'open', $4, $5, $5)
RETURNING id;

-- name: GetEscalation
SELECT id, conversation_id, reason, severity, status, raised_by_user_id, resolved_by_user_id, resolution, resolved_at,
    created_at, updated_at
FROM inbox_escalations WHERE id = $1;

-- name: ConversationEscalations
SELECT id, conversation_id, reason, severity, status, raised_by_user_id, resolved_by_user_id, resolution, resolved_at,
    created_at, updated_at
FROM inbox_escalations WHERE conversation_id = $1 ORDER BY id;

-- name: ResolveEscalation
UPDATE inbox_escalations SET status = 'resolved', resolved_by_user_id = $2, resolution = $3, resolved_at = $4, updated_at = $4
WHERE id = $1 AND status = 'open';

-- name: ListTopics
SELECT id, name, created_at, updated_at FROM inbox_topics ORDER BY name_key, id;

-- name: GetTopic
SELECT id, name, created_at, updated_at FROM inbox_topics WHERE id = $1;

-- name: InsertTopic
INSERT INTO inbox_topics (name, name_key, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id;

-- name: RenameTopic
UPDATE inbox_topics SET name = $2, name_key = $3, updated_at = $4 WHERE id = $1;

-- name: DeleteTopic
DELETE FROM inbox_topics WHERE id = $1;

-- name: ConversationTopicIDs
SELECT topic_id FROM inbox_conversation_topics WHERE conversation_id = $1 ORDER BY topic_id;

-- name: AddConversationTopic
INSERT INTO inbox_conversation_topics (conversation_id, topic_id, raised_at, created_at) VALUES ($1, $2, $3, $4);

-- name: RemoveConversationTopic
DELETE FROM inbox_conversation_topics WHERE conversation_id = $1 AND topic_id = $2;

-- The conversation's topics, each with the number of other people who
-- raised it since $2 in other conversations (distinct persons; the
-- conversation's own person is not counted).
-- name: ConversationTopicStats
SELECT t.id, t.name, t.created_at, t.updated_at,
    (SELECT COUNT(DISTINCT o.person_id)
     FROM inbox_conversation_topics ot JOIN inbox_conversations o ON o.id = ot.conversation_id
     WHERE ot.topic_id = t.id AND ot.raised_at >= $2 AND ot.conversation_id <> $1
         AND o.person_id IS NOT NULL AND o.person_id <> COALESCE(c.person_id, 0)) AS others
FROM inbox_conversation_topics ct
JOIN inbox_topics t ON t.id = ct.topic_id
JOIN inbox_conversations c ON c.id = ct.conversation_id
WHERE ct.conversation_id = $1
ORDER BY t.name_key, t.id;

-- Other conversations raising a topic since $2, newest first, one per
-- person is not enforced here (the page lists conversations).
-- name: TopicConversationIDs
SELECT ct.conversation_id
FROM inbox_conversation_topics ct JOIN inbox_conversations o ON o.id = ct.conversation_id
WHERE ct.topic_id = $1 AND ct.raised_at >= $2 AND ct.conversation_id <> $3
ORDER BY ct.raised_at DESC, ct.conversation_id DESC
LIMIT $4;

-- name: ListAckTemplates
SELECT id, language, channel, subject, body, updated_by_user_id, created_at, updated_at
FROM inbox_ack_templates ORDER BY language, channel;

-- name: GetAckTemplate
SELECT id, language, channel, subject, body, updated_by_user_id, created_at, updated_at
FROM inbox_ack_templates WHERE id = $1;

-- name: FindAckTemplate
SELECT id, language, channel, subject, body, updated_by_user_id, created_at, updated_at
FROM inbox_ack_templates WHERE language = $1 AND channel = $2;

-- name: UpsertAckTemplate
INSERT INTO inbox_ack_templates (language, channel, subject, body, updated_by_user_id, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $6)
ON CONFLICT (language, channel) DO UPDATE SET subject = excluded.subject, body = excluded.body,
    updated_by_user_id = excluded.updated_by_user_id, updated_at = excluded.updated_at
RETURNING id;

-- name: DeleteAckTemplate
DELETE FROM inbox_ack_templates WHERE id = $1;

-- name: ActiveUsers
SELECT id, name, role FROM users WHERE active ORDER BY name, id;
