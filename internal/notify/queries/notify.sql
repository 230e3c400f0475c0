-- name: InsertNotification
INSERT INTO notifications (user_id, kind, title_key, args, body, link, subject_type, subject_id, actor_user_id, dedupe_key, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
RETURNING id;

-- name: ActiveUser
SELECT email, name, COALESCE(locale, ''), active FROM users WHERE id = $1;

-- name: EmailPref
SELECT email FROM notification_prefs WHERE user_id = $1;

-- name: SetEmailPref
INSERT INTO notification_prefs (user_id, email, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, updated_at = excluded.updated_at;

-- name: GetNotification
SELECT id, user_id, kind, title_key, args, body, link, subject_type, subject_id, actor_user_id, read_at, emailed_at, created_at
FROM notifications WHERE id = $1;

-- name: ListNotifications
SELECT id, user_id, kind, title_key, args, body, link, subject_type, subject_id, actor_user_id, read_at, emailed_at, created_at
FROM notifications WHERE user_id = $1 AND id < $2 AND ($3 = 0 OR read_at IS NULL)
ORDER BY id DESC LIMIT $4;

-- name: UnreadCount
SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL;

-- name: MarkRead
UPDATE notifications SET read_at = $3 WHERE id = $1 AND user_id = $2 AND read_at IS NULL;

-- name: MarkAllRead
UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL;

-- name: MarkEmailed
UPDATE notifications SET emailed_at = $2 WHERE id = $1 AND emailed_at IS NULL;

-- name: UsersWithRole
SELECT id FROM users WHERE role = $1 AND active = $2 ORDER BY id;
