-- name: InsertTeam
-- ON CONFLICT … DO NOTHING: a taken slug yields no row on both dialects.
INSERT INTO teams (name, slug, description, time_zone, manager_user_id, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $6)
ON CONFLICT (slug) DO NOTHING
RETURNING id;

-- name: GetTeam
SELECT t.id, t.name, t.slug, t.description, t.time_zone, t.manager_user_id, t.created_at, t.updated_at,
       (SELECT count(*) FROM team_members m WHERE m.team_id = t.id)
FROM teams t WHERE t.id = $1;

-- name: ListTeams
SELECT t.id, t.name, t.slug, t.description, t.time_zone, t.manager_user_id, t.created_at, t.updated_at,
       (SELECT count(*) FROM team_members m WHERE m.team_id = t.id)
FROM teams t;

-- name: TeamsOfUser
SELECT t.id, t.name, t.slug, t.description, t.time_zone, t.manager_user_id, t.created_at, t.updated_at,
       (SELECT count(*) FROM team_members m WHERE m.team_id = t.id)
FROM teams t JOIN team_members tm ON tm.team_id = t.id
WHERE tm.user_id = $1;

-- name: SlugTaken
SELECT EXISTS (SELECT 1 FROM teams WHERE slug = $1 AND id <> $2);

-- name: UpdateTeam
UPDATE teams SET name = $2, slug = $3, description = $4, time_zone = $5, manager_user_id = $6, updated_at = $7
WHERE id = $1;

-- name: AddMember
INSERT INTO team_members (team_id, user_id, added_at) VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING;

-- name: RemoveMember
DELETE FROM team_members WHERE team_id = $1 AND user_id = $2;

-- name: Members
-- Reads auth's users table: org is migrated after auth and depends on it.
SELECT u.id, u.name, u.email, u.role, u.active, m.added_at
FROM team_members m JOIN users u ON u.id = m.user_id
WHERE m.team_id = $1;
