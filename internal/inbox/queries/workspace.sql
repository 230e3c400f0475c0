-- The agent workspace: canned responses, signatures, presence, snooze,
-- merge, split and view counts.

-- name: InsertCanned
INSERT INTO inbox_canned_responses (owner_user_id, title, shortcut, created_by, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $5)
RETURNING id;

-- name: UpdateCanned
UPDATE inbox_canned_responses SET owner_user_id = $2, title = $3, shortcut = $4, updated_at = $5 WHERE id = $1;

-- name: DeleteCanned
DELETE FROM inbox_canned_responses WHERE id = $1;

-- name: GetCanned
SELECT id, owner_user_id, title, shortcut, created_at, updated_at FROM inbox_canned_responses WHERE id = $1;

-- Shared ones and the actor's own ($1), matching $2 ('' for all) in the title,
-- a language's title or the shortcut, case-insensitively.
-- name: ListCanned
SELECT id, owner_user_id, title, shortcut, created_at, updated_at FROM inbox_canned_responses
WHERE (owner_user_id IS NULL OR owner_user_id = $1)
    AND ($2 = '' OR lower(title) LIKE $2 ESCAPE '\' OR lower(shortcut) LIKE $2 ESCAPE '\'
        OR id IN (SELECT canned_id FROM inbox_canned_variants WHERE lower(title) LIKE $2 ESCAPE '\'))
ORDER BY lower(shortcut), lower(title), id
LIMIT 200;

-- name: CannedVariants
SELECT canned_id, language, title, body FROM inbox_canned_variants WHERE canned_id = $1 ORDER BY language;

-- name: DeleteCannedVariants
DELETE FROM inbox_canned_variants WHERE canned_id = $1;

-- name: InsertCannedVariant
INSERT INTO inbox_canned_variants (canned_id, language, title, body) VALUES ($1, $2, $3, $4);

-- name: ShortcutTaken
SELECT count(*) FROM inbox_canned_responses
WHERE lower(shortcut) = lower($1) AND id <> $2 AND (owner_user_id IS NULL OR owner_user_id = $3 OR $3 = 0);

-- name: UserSignatures
SELECT language, body FROM inbox_signatures WHERE user_id = $1 ORDER BY language;

-- name: TeamSignatures
SELECT language, body FROM inbox_signatures WHERE team_id = $1 ORDER BY language;

-- name: DeleteUserSignatures
DELETE FROM inbox_signatures WHERE user_id = $1;

-- name: DeleteTeamSignatures
DELETE FROM inbox_signatures WHERE team_id = $1;

-- name: InsertUserSignature
INSERT INTO inbox_signatures (user_id, language, body, updated_at) VALUES ($1, $2, $3, $4);

-- name: InsertTeamSignature
INSERT INTO inbox_signatures (team_id, language, body, updated_at) VALUES ($1, $2, $3, $4);

-- name: SignatureTeamManager
SELECT manager_user_id FROM teams WHERE id = $1;

-- name: UpsertPresence
INSERT INTO inbox_presence (conversation_id, user_id, typing, seen_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (conversation_id, user_id) DO UPDATE SET typing = excluded.typing, seen_at = excluded.seen_at;

-- name: DeletePresence
DELETE FROM inbox_presence WHERE conversation_id = $1 AND user_id = $2;

-- name: SweepPresence
DELETE FROM inbox_presence WHERE seen_at < $1;

-- name: ListPresence
SELECT p.user_id, u.name, p.typing, p.seen_at FROM inbox_presence p JOIN users u ON u.id = p.user_id
WHERE p.conversation_id = $1 AND p.seen_at >= $2 AND p.user_id <> $3
ORDER BY u.name, p.user_id;

-- Messages to or from the person (not notes) after $2 by anyone but $3.
-- name: NewerMessages
SELECT id FROM inbox_messages
WHERE conversation_id = $1 AND id > $2 AND direction <> 'note' AND (author_user_id IS NULL OR author_user_id <> $3)
ORDER BY id;

-- name: LastMessageID
SELECT COALESCE(MAX(id), 0) FROM inbox_messages WHERE conversation_id = $1;

-- name: ConversationExtra
SELECT snoozed_until, merged_into_id FROM inbox_conversations WHERE id = $1;

-- name: SetSnooze
UPDATE inbox_conversations SET snoozed_until = $2, updated_at = $3 WHERE id = $1;

-- name: SetMergedInto
UPDATE inbox_conversations SET merged_into_id = $2, snoozed_until = NULL, updated_at = $3 WHERE id = $1;

-- name: MoveMessages
UPDATE inbox_messages SET conversation_id = $1 WHERE conversation_id = $2;

-- name: MoveEvents
UPDATE inbox_events SET conversation_id = $1 WHERE conversation_id = $2;

-- name: CopyParticipants
INSERT INTO inbox_participants (conversation_id, address)
SELECT $1, address FROM inbox_participants WHERE conversation_id = $2
ON CONFLICT DO NOTHING;

-- name: DeleteParticipants
DELETE FROM inbox_participants WHERE conversation_id = $1;

-- name: MoveAcks
UPDATE inbox_ack_log SET conversation_id = $1 WHERE conversation_id = $2;

-- name: SplitMoveMessage
UPDATE inbox_messages SET conversation_id = $1 WHERE id = $2;

-- name: WorkspaceCountMessages
SELECT count(*) FROM inbox_messages WHERE conversation_id = $1;

-- name: WorkspaceMessageAttachments
SELECT id, message_id, filename, content_type, size, content_id, inline, blob_key, created_at
FROM inbox_attachments WHERE message_id = $1 ORDER BY id;

-- View counts, each capped at its last parameter so that a page of a huge
-- inbox reads at most that many index entries per view.
-- name: CountMine
SELECT count(*) FROM (SELECT 1 FROM inbox_conversations c WHERE c.assignee_user_id = $1
    AND c.status IN ('new', 'open', 'waiting') AND c.snoozed_until IS NULL LIMIT $2) x;

-- name: CountTeam
SELECT count(*) FROM (SELECT 1 FROM inbox_conversations c WHERE c.team_id IN (SELECT team_id FROM team_members WHERE user_id = $1)
    AND c.status IN ('new', 'open', 'waiting') AND c.snoozed_until IS NULL LIMIT $2) x;

-- name: CountUnassigned
SELECT count(*) FROM (SELECT 1 FROM inbox_conversations c WHERE c.assignee_user_id IS NULL
    AND c.status IN ('new', 'open') AND c.snoozed_until IS NULL LIMIT $1) x;

-- name: CountWaiting
SELECT count(*) FROM (SELECT 1 FROM inbox_conversations c WHERE c.status = 'waiting' AND c.snoozed_until IS NULL LIMIT $1) x;

-- $1: the breaching-soon cutoff.
-- name: CountBreaching
SELECT count(*) FROM (SELECT 1 FROM inbox_conversations c WHERE c.sort_at <= $1 AND c.status IN ('new', 'open')
    AND c.snoozed_until IS NULL LIMIT $2) x;

-- name: CountAll
SELECT count(*) FROM (SELECT 1 FROM inbox_conversations c WHERE c.snoozed_until IS NULL LIMIT $1) x;

-- name: CountSnoozed
SELECT count(*) FROM (SELECT 1 FROM inbox_conversations c WHERE c.snoozed_until IS NOT NULL LIMIT $1) x;

-- Staff who can own conversations, for assignment pickers.
-- name: WorkspaceAgents
SELECT id, name FROM users WHERE active = TRUE AND role IN ('admin', 'manager', 'agent') ORDER BY lower(name), id;

-- name: WorkspaceTeams
SELECT id, name, COALESCE(manager_user_id, 0) FROM teams ORDER BY lower(name), id;
