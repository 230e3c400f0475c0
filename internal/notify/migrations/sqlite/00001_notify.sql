-- +goose Up
-- Requires auth (users) first.

-- In-app notifications for staff. The title is a message key with its
-- arguments, rendered in the reader's language; body is user content (a note
-- excerpt). dedupe_key makes a retried job notify once per user.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    title_key TEXT NOT NULL,
    args TEXT NOT NULL DEFAULT '{}',
    body TEXT NOT NULL DEFAULT '',
    link TEXT NOT NULL DEFAULT '',
    subject_type TEXT NOT NULL DEFAULT '',
    subject_id INTEGER NOT NULL DEFAULT 0,
    actor_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    dedupe_key TEXT,
    read_at TIMESTAMP,
    emailed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
CREATE UNIQUE INDEX notifications_dedupe ON notifications (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL;

-- Per-user delivery preference: email = 0 is in-app only. No row means the
-- default (in-app and e-mail).
CREATE TABLE notification_prefs (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email INTEGER NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE notification_prefs;
DROP TABLE notifications;
