-- +goose Up
-- Routing, assignment, queue pressure and the escalation chain.

-- Routing rules, tried in position order when a conversation opens; the
-- first enabled rule whose conditions all match applies its actions.
-- conditions: {"channels":[…],"roles":[…],"languages":[…],"tags":[…],"mailbox_ids":[…]}
-- actions: {"team_id":…,"priority":"…","tags":[…],"assign":"…"}
CREATE TABLE inbox_routing_rules (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL DEFAULT 0,
    enabled INTEGER NOT NULL DEFAULT 1,
    conditions TEXT NOT NULL DEFAULT '{}',
    actions TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX inbox_routing_rules_order ON inbox_routing_rules (position, id);

-- A team's assignment and queue settings; no row means manual assignment
-- and no thresholds. rr_last_user_id is the round-robin pointer; alert_* is
-- the bank-window alert state (alerted at most once per cool-down until the
-- queue falls back under its thresholds).
CREATE TABLE inbox_team_settings (
    team_id INTEGER PRIMARY KEY REFERENCES teams (id) ON DELETE CASCADE,
    mode TEXT NOT NULL DEFAULT 'manual' CHECK (mode IN ('manual', 'round_robin', 'least_load')),
    default_capacity INTEGER NOT NULL DEFAULT 0,
    silence_secs INTEGER NOT NULL DEFAULT 0,
    max_unassigned INTEGER NOT NULL DEFAULT 0,
    max_wait_secs INTEGER NOT NULL DEFAULT 0,
    alert_cooldown_secs INTEGER NOT NULL DEFAULT 1800,
    rr_last_user_id INTEGER NOT NULL DEFAULT 0,
    alert_active INTEGER NOT NULL DEFAULT 0,
    last_alert_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);

-- An agent's availability (set by the agent) and capacity (0: the team's
-- default). last_seen_at drives auto-away.
CREATE TABLE inbox_agent_status (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    availability TEXT NOT NULL DEFAULT 'offline' CHECK (availability IN ('online', 'away', 'offline')),
    capacity INTEGER NOT NULL DEFAULT 0,
    last_seen_at TIMESTAMP,
    last_assigned_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);

-- The escalation chain's settings per response policy (no row: leadership
-- is told after 50% of the target past the breach, no reassignment).
CREATE TABLE inbox_policy_escalation (
    policy_id INTEGER PRIMARY KEY REFERENCES inbox_policies (id) ON DELETE CASCADE,
    leadership_after_percent INTEGER NOT NULL DEFAULT 50,
    leadership_after_secs INTEGER NOT NULL DEFAULT 0,
    reassign_on_breach INTEGER NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE inbox_policy_escalation;
DROP TABLE inbox_agent_status;
DROP TABLE inbox_team_settings;
DROP TABLE inbox_routing_rules;
