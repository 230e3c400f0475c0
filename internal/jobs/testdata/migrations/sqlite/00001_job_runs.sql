-- +goose Up
CREATE TABLE job_runs (
    id      INTEGER PRIMARY KEY,
    label   TEXT    NOT NULL,
    job_id  INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    client  TEXT    NOT NULL
);
CREATE TABLE widgets (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);

-- +goose Down
DROP TABLE widgets;
DROP TABLE job_runs;
