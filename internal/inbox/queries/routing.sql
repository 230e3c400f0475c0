-- Routing, assignment, queue pressure and the escalation chain (routing.go,
-- queue.go, breach.go). Names start with Rt to stay apart from other files.

-- name: RtListRules
SELECT id, name, position, enabled, conditions, actions, created_at, updated_at
FROM inbox_routing_rules ORDER BY position, id;

-- name: RtGetRule
SELECT id, name, position, enabled, conditions, actions, created_at, updated_at
FROM inbox_routing_rules WHERE id = $1;

-- name: RtRuleNameTaken
SELECT COUNT(*) FROM inbox_routing_rules WHERE name = $1 AND id <> $2;

-- name: RtInsertRule
INSERT INTO inbox_routing_rules (name, position, enabled, conditions, actions, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id;

-- name: RtUpdateRule
UPDATE inbox_routing_rules SET name = $2, position = $3, enabled = $4, conditions = $5, actions = $6, updated_at = $7
WHERE id = $1;

-- name: RtDeleteRule
DELETE FROM inbox_routing_rules WHERE id = $1;

-- name: RtTeamSettings
SELECT team_id, mode, default_capacity, silence_secs, max_unassigned, max_wait_secs, alert_cooldown_secs,
       rr_last_user_id, alert_active, last_alert_at, updated_at
FROM inbox_team_settings WHERE team_id = $1;

-- name: RtUpsertTeamSettings
INSERT INTO inbox_team_settings (team_id, mode, default_capacity, silence_secs, max_unassigned, max_wait_secs,
    alert_cooldown_secs, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (team_id) DO UPDATE SET mode = excluded.mode, default_capacity = excluded.default_capacity,
    silence_secs = excluded.silence_secs, max_unassigned = excluded.max_unassigned, max_wait_secs = excluded.max_wait_secs,
    alert_cooldown_secs = excluded.alert_cooldown_secs, updated_at = excluded.updated_at;

-- name: RtSetRoundRobin
UPDATE inbox_team_settings SET rr_last_user_id = $2 WHERE team_id = $1;

-- name: RtSetAlert
UPDATE inbox_team_settings SET alert_active = $2, last_alert_at = $3 WHERE team_id = $1;

-- name: RtTeamsWithThresholds
SELECT team_id FROM inbox_team_settings WHERE max_unassigned > 0 OR max_wait_secs > 0 ORDER BY team_id;

-- name: RtTeams
SELECT id, name, manager_user_id FROM teams ORDER BY name, id;

-- name: RtTeam
SELECT id, name, manager_user_id FROM teams WHERE id = $1;

-- name: RtTeamMembers
SELECT m.user_id, u.name, u.role, COALESCE(a.availability, 'offline'), COALESCE(a.capacity, 0), a.last_seen_at,
       (SELECT COUNT(*) FROM inbox_conversations c WHERE c.assignee_user_id = m.user_id AND c.status IN ('new', 'open'))
FROM team_members m
JOIN users u ON u.id = m.user_id AND u.active = $2
LEFT JOIN inbox_agent_status a ON a.user_id = m.user_id
WHERE m.team_id = $1
ORDER BY m.user_id;

-- name: RtAgentStatus
SELECT user_id, availability, capacity, last_seen_at, updated_at FROM inbox_agent_status WHERE user_id = $1;

-- name: RtSetAvailability
INSERT INTO inbox_agent_status (user_id, availability, last_seen_at, updated_at) VALUES ($1, $2, $3, $3)
ON CONFLICT (user_id) DO UPDATE SET availability = excluded.availability, last_seen_at = excluded.last_seen_at,
    updated_at = excluded.updated_at;

-- name: RtTouchAgent
UPDATE inbox_agent_status SET last_seen_at = $2 WHERE user_id = $1;

-- name: RtSetCapacity
INSERT INTO inbox_agent_status (user_id, capacity, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (user_id) DO UPDATE SET capacity = excluded.capacity, updated_at = excluded.updated_at;

-- name: RtMarkAssigned
UPDATE inbox_agent_status SET last_assigned_at = $2 WHERE user_id = $1;

-- name: RtUserActive
SELECT COUNT(*) FROM users WHERE id = $1 AND active = $2;

-- name: RtQueueCounts
SELECT COUNT(*), COALESCE(SUM(CASE WHEN assignee_user_id IS NULL THEN 1 ELSE 0 END), 0)
FROM inbox_conversations WHERE team_id = $1 AND status IN ('new', 'open');

-- name: RtOldestUnassigned
SELECT created_at FROM inbox_conversations
WHERE team_id = $1 AND assignee_user_id IS NULL AND status IN ('new', 'open')
ORDER BY created_at, id LIMIT 1;

-- name: RtStaffReplySince
SELECT COUNT(*) FROM inbox_messages
WHERE conversation_id = $1 AND direction = 'out' AND author_user_id IS NOT NULL AND created_at >= $2;

-- name: RtPolicyEscalation
SELECT leadership_after_percent, leadership_after_secs, reassign_on_breach FROM inbox_policy_escalation WHERE policy_id = $1;

-- name: RtUpsertPolicyEscalation
INSERT INTO inbox_policy_escalation (policy_id, leadership_after_percent, leadership_after_secs, reassign_on_breach, updated_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (policy_id) DO UPDATE SET leadership_after_percent = excluded.leadership_after_percent,
    leadership_after_secs = excluded.leadership_after_secs, reassign_on_breach = excluded.reassign_on_breach,
    updated_at = excluded.updated_at;

-- name: RtUsersByHandle
SELECT id FROM users WHERE email_key LIKE $1 ESCAPE '!' AND active = $2 ORDER BY id LIMIT 2;

-- name: RtUserNames
SELECT name FROM users WHERE id = $1;

-- name: RtUserRole
SELECT role FROM users WHERE id = $1;
