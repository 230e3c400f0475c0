-- name: InsertMailbox
INSERT INTO inbox_mailboxes (address, display_name, team_id, created_at, updated_at)
VALUES ($1, $2, $3, $4, $4)
ON CONFLICT (address) DO NOTHING
RETURNING id;

-- name: UpdateMailbox
UPDATE inbox_mailboxes SET display_name = $2, team_id = $3, updated_at = $4 WHERE id = $1;

-- name: DeleteMailbox
DELETE FROM inbox_mailboxes WHERE id = $1;

-- name: GetMailbox
SELECT id, address, display_name, team_id, created_at, updated_at FROM inbox_mailboxes WHERE id = $1;

-- name: MailboxByAddress
SELECT id, address, display_name, team_id, created_at, updated_at FROM inbox_mailboxes WHERE address = $1;

-- name: DefaultMailbox
SELECT id, address, display_name, team_id, created_at, updated_at FROM inbox_mailboxes ORDER BY id LIMIT 1;

-- name: ListMailboxes
SELECT id, address, display_name, team_id, created_at, updated_at FROM inbox_mailboxes ORDER BY address;

-- name: GetSecret
SELECT value FROM inbox_secrets WHERE name = $1;

-- name: InsertSecret
INSERT INTO inbox_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING;

-- name: MailboxAddresses
SELECT address FROM inbox_mailboxes;
