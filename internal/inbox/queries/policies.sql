-- name: ListPolicies
SELECT id, name, position, enabled, rules, first_response_secs, next_response_secs, resolution_secs, warn_percent,
    business_hours_id, created_at, updated_at
FROM inbox_policies ORDER BY position, id;

-- name: GetPolicy
SELECT id, name, position, enabled, rules, first_response_secs, next_response_secs, resolution_secs, warn_percent,
    business_hours_id, created_at, updated_at
FROM inbox_policies WHERE id = $1;

-- name: InsertPolicy
INSERT INTO inbox_policies (name, position, enabled, rules, first_response_secs, next_response_secs, resolution_secs,
    warn_percent, business_hours_id, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
RETURNING id;

-- name: UpdatePolicy
UPDATE inbox_policies SET name = $2, position = $3, enabled = $4, rules = $5, first_response_secs = $6,
    next_response_secs = $7, resolution_secs = $8, warn_percent = $9, business_hours_id = $10, updated_at = $11
WHERE id = $1;

-- name: DeletePolicy
DELETE FROM inbox_policies WHERE id = $1;

-- name: PolicyNameTaken
SELECT count(*) FROM inbox_policies WHERE name = $1 AND id <> $2;

-- name: ListHours
SELECT id, name, team_id, is_default, time_zone, schedule, holidays, created_at, updated_at
FROM inbox_business_hours ORDER BY id;

-- name: GetHours
SELECT id, name, team_id, is_default, time_zone, schedule, holidays, created_at, updated_at
FROM inbox_business_hours WHERE id = $1;

-- name: TeamHours
SELECT id, name, team_id, is_default, time_zone, schedule, holidays, created_at, updated_at
FROM inbox_business_hours WHERE team_id = $1;

-- name: DefaultHours
SELECT id, name, team_id, is_default, time_zone, schedule, holidays, created_at, updated_at
FROM inbox_business_hours WHERE is_default = $1;

-- name: InsertHours
INSERT INTO inbox_business_hours (name, team_id, is_default, time_zone, schedule, holidays, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
RETURNING id;

-- name: UpdateHours
UPDATE inbox_business_hours SET name = $2, team_id = $3, is_default = $4, time_zone = $5, schedule = $6,
    holidays = $7, updated_at = $8
WHERE id = $1;

-- name: ClearDefaultHours
UPDATE inbox_business_hours SET is_default = $2 WHERE is_default = $3 AND id <> $1;

-- name: DeleteHours
DELETE FROM inbox_business_hours WHERE id = $1;

-- Tag keys of a person, for policy rules. Reads people's tables: people has no
-- exported per-person tag lookup yet (Profile would audit a view).
-- name: PersonTagKeys
SELECT t.name_key FROM person_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.person_id = $1;
