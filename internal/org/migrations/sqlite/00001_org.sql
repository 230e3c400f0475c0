-- +goose Up
-- Requires auth's migrations first: teams reference users.

-- The organization's settings: one row, which CHECK (id = 1) keeps single. It is
-- created here so Get never has to handle "not set up yet"; the setup wizard
-- fills in the name.
CREATE TABLE organization (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    default_locale TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    currency TEXT NOT NULL,
    reply_to_domain TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- The time format is the one Go writes (see db.SQLiteDSN), so values compare as text.
INSERT INTO organization (id, name, default_locale, time_zone, currency, reply_to_domain, created_at, updated_at)
VALUES (1, '', 'en', 'UTC', 'EUR', '',
        strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'), strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'));

CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    time_zone TEXT NOT NULL DEFAULT '',
    manager_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at TIMESTAMP NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

-- +goose Down
DROP TABLE team_members;
DROP TABLE teams;
DROP TABLE organization;
