-- +goose Up
-- email keeps the address as typed; email_key is its case-folded form (computed
-- in Go, since SQLite's lower() only folds ASCII) and carries the uniqueness.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    locale TEXT,
    password_hash TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    last_sign_in_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- scs sessions: the token is scs's random session ID.
CREATE TABLE sessions (
    token TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    expiry TIMESTAMP NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP,
    expires_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);

-- Failed sign-ins per client IP, shared by every instance. The attempted email is
-- deliberately not stored: people sometimes type their password into it.
CREATE TABLE signin_failures (
    id INTEGER PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    ip TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX signin_failures_ip_at ON signin_failures (ip, at);
CREATE INDEX signin_failures_at ON signin_failures (at);

-- Newest-first listing uses the primary key (ids only grow); the other indexes
-- serve "history of this entity", "what did this user do" and pruning by age.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    changes TEXT,
    ip TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor_user_id, id);
CREATE INDEX audit_log_at ON audit_log (at);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE signin_failures;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
