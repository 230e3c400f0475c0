-- name: InsertSegment
INSERT INTO segments (name, definition, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id;

-- name: UpdateSegment
UPDATE segments SET name = $2, definition = $3, updated_at = $4 WHERE id = $1;

-- name: DeleteSegment
DELETE FROM segments WHERE id = $1;

-- name: GetSegment
SELECT id, name, definition, created_by, created_at, updated_at FROM segments WHERE id = $1;

-- name: ListSegments
SELECT id, name, definition, created_by, created_at, updated_at FROM segments ORDER BY name, id;
