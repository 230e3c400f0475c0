-- name: InsertQueuedImport
INSERT INTO imports (kind, status, file_name, file_hash, options, total, actor_user_id, started_at)
VALUES ('people', 'queued', $1, $2, $3, $4, $5, $6) RETURNING id;

-- name: InsertImportFile
INSERT INTO import_files (import_id, data) VALUES ($1, $2);

-- name: GetImportFile
SELECT data FROM import_files WHERE import_id = $1;

-- name: DeleteImportFile
DELETE FROM import_files WHERE import_id = $1;

-- name: SetImportStatus
UPDATE imports SET status = $2 WHERE id = $1;
