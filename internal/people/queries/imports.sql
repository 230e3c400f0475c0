-- name: InsertImport
INSERT INTO imports (kind, status, file_name, file_hash, options, total, actor_user_id, started_at)
VALUES ('people', 'running', $1, $2, $3, $4, $5, $6) RETURNING id;

-- name: GetImport
SELECT id, status, file_name, file_hash, options, total, processed, created, updated, failed, errors, started_at, finished_at
FROM imports WHERE id = $1 AND kind = 'people';

-- name: ImportProgress
UPDATE imports SET processed = $2, created = created + $3, updated = updated + $4, failed = failed + $5, errors = $6
WHERE id = $1;

-- name: FinishImport
UPDATE imports SET status = $2, finished_at = $3 WHERE id = $1;

-- name: ResumeImport
UPDATE imports SET status = 'running' WHERE id = $1;

-- name: RolesMatching
SELECT count(*) FROM person_roles WHERE person_id = $1 AND role = $2 AND start_date = $3;
