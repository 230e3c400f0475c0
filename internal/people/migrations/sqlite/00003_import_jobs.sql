-- +goose Up
-- The uploaded file of an import that runs as a job, kept until it completes
-- so a restarted job reads it again; removed with the import's last batch.
CREATE TABLE import_files (
    import_id INTEGER PRIMARY KEY REFERENCES imports (id) ON DELETE CASCADE,
    data BLOB NOT NULL
);

-- +goose Down
DROP TABLE import_files;
