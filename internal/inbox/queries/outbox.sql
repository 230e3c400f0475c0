-- name: InsertOutbox
INSERT INTO inbox_outbox (message_id, status, attempts, last_error, next_attempt_at, created_at, updated_at)
VALUES ($1, 'queued', 0, '', $2, $2, $2);

-- name: GetOutbox
SELECT status, attempts, last_error, claimed_until FROM inbox_outbox WHERE message_id = $1;

-- name: ClaimOutbox
UPDATE inbox_outbox SET claimed_until = $2, attempts = attempts + 1, updated_at = $3
WHERE message_id = $1 AND status = 'queued';

-- name: OutboxSent
UPDATE inbox_outbox SET status = 'sent', sent_at = $2, last_error = '', next_attempt_at = NULL,
    claimed_until = NULL, updated_at = $2
WHERE message_id = $1 AND status = 'queued';

-- name: OutboxFailed
UPDATE inbox_outbox SET status = 'failed', last_error = $2, next_attempt_at = NULL, claimed_until = NULL, updated_at = $3
WHERE message_id = $1 AND status = 'queued';

-- name: OutboxRetry
UPDATE inbox_outbox SET last_error = $2, next_attempt_at = $3, claimed_until = NULL, updated_at = $4
WHERE message_id = $1 AND status = 'queued';

-- name: MessageSent
UPDATE inbox_messages SET sent_at = $2 WHERE id = $1;

-- name: QueuedOutbox
SELECT o.message_id FROM inbox_outbox o WHERE o.status = 'queued'
    AND NOT EXISTS (SELECT 1 FROM inbox_messages m WHERE m.id = o.message_id AND m.channel = 'social')
ORDER BY o.message_id;

-- name: RecentAck
SELECT count(*) FROM inbox_ack_log WHERE person_id = $1 AND channel = $2 AND sent_at > $3;

-- name: AckOfConversation
SELECT count(*) FROM inbox_ack_log WHERE conversation_id = $1;

-- name: InsertAck
INSERT INTO inbox_ack_log (person_id, channel, conversation_id, message_id, sent_at) VALUES ($1, $2, $3, $4, $5);
