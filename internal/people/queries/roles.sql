-- name: InsertRole
INSERT INTO person_roles (person_id, role, subtype, start_date, end_date, program, program_id, note, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id;

-- name: UpdateRole
UPDATE person_roles SET role = $2, subtype = $3, start_date = $4, end_date = $5, program = $6, program_id = $7,
    note = $8, updated_at = $9
WHERE id = $1;

-- name: GetRole
SELECT id, person_id, role, subtype, start_date, end_date, program, program_id, note, created_at, updated_at
FROM person_roles WHERE id = $1;

-- name: RolesOf
SELECT id, person_id, role, subtype, start_date, end_date, program, program_id, note, created_at, updated_at
FROM person_roles WHERE person_id = $1 ORDER BY start_date, id;

-- name: DeleteRole
DELETE FROM person_roles WHERE id = $1;
