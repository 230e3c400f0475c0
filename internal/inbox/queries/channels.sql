-- name: MessageByExternalKey
SELECT id, conversation_id FROM inbox_messages WHERE channel <> 'email' AND dedupe_key = $1;

-- name: SetConversationSocialChannel
UPDATE inbox_conversations SET social_channel_id = $2 WHERE id = $1;

-- name: ConversationSocialChannel
SELECT social_channel_id FROM inbox_conversations WHERE id = $1;

-- The person's latest unfinished conversation on a social channel: direct
-- messages from one author continue it.
-- name: OpenSocialConversation
SELECT id FROM inbox_conversations
WHERE person_id = $1 AND social_channel_id = $2 AND status NOT IN ('resolved', 'closed')
ORDER BY last_message_at DESC, id DESC LIMIT 1;

-- name: InsertSocialChannel
INSERT INTO inbox_social_channels (name, platform, secret, outbound_url, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $5)
ON CONFLICT (name) DO NOTHING
RETURNING id;

-- name: UpdateSocialChannel
UPDATE inbox_social_channels SET name = $2, platform = $3, outbound_url = $4, updated_at = $5 WHERE id = $1;

-- name: RotateSocialSecret
UPDATE inbox_social_channels SET secret = $2, updated_at = $3 WHERE id = $1;

-- name: DeleteSocialChannel
DELETE FROM inbox_social_channels WHERE id = $1;

-- name: GetSocialChannel
SELECT id, name, platform, secret, outbound_url, created_at, updated_at FROM inbox_social_channels WHERE id = $1;

-- name: ListSocialChannels
SELECT id, name, platform, secret, outbound_url, created_at, updated_at FROM inbox_social_channels ORDER BY name, id;

-- name: InsertSocialNonce
INSERT INTO inbox_social_nonces (channel_id, signature, created_at) VALUES ($1, $2, $3)
ON CONFLICT (channel_id, signature) DO NOTHING
RETURNING channel_id;

-- name: PruneSocialNonces
DELETE FROM inbox_social_nonces WHERE created_at < $1;

-- name: HitRateLimit
INSERT INTO inbox_rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1)
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = inbox_rate_limits.hits + 1
RETURNING hits;

-- name: PruneRateLimits
DELETE FROM inbox_rate_limits WHERE window_start < $1;

-- name: UpsertMailboxIMAP
INSERT INTO inbox_mailbox_imap (mailbox_id, url, password, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
ON CONFLICT (mailbox_id) DO UPDATE SET url = excluded.url, password = excluded.password, updated_at = excluded.updated_at;

-- name: DeleteMailboxIMAP
DELETE FROM inbox_mailbox_imap WHERE mailbox_id = $1;

-- name: ListMailboxIMAP
SELECT i.mailbox_id, b.address, i.url, i.password FROM inbox_mailbox_imap i
JOIN inbox_mailboxes b ON b.id = i.mailbox_id ORDER BY b.address;

-- name: GetIMAPState
SELECT uid_validity, last_uid FROM inbox_imap_state WHERE mailbox_key = $1;

-- name: SaveIMAPState
INSERT INTO inbox_imap_state (mailbox_key, uid_validity, last_uid, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (mailbox_key) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid,
    updated_at = excluded.updated_at;
