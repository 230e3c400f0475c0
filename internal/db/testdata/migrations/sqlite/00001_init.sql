-- +goose Up
CREATE TABLE widgets (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);
-- +goose Down
DROP TABLE widgets;
