-- +goose Up
CREATE TABLE households (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    line1 TEXT NOT NULL DEFAULT '',
    line2 TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    postcode TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('individual', 'organization')),
    display_name TEXT NOT NULL,
    given_name TEXT NOT NULL DEFAULT '',
    family_name TEXT NOT NULL DEFAULT '',
    greeting_name TEXT NOT NULL DEFAULT '',
    sort_name TEXT NOT NULL DEFAULT '',
    sort_key TEXT NOT NULL DEFAULT '',
    name_key TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    pronouns TEXT NOT NULL DEFAULT '',
    birth_date TEXT,
    household_id INTEGER REFERENCES households (id) ON DELETE SET NULL,
    source TEXT NOT NULL DEFAULT 'manual',
    external_id TEXT,
    do_not_contact INTEGER NOT NULL DEFAULT 0,
    preferred_channel TEXT NOT NULL DEFAULT '',
    preferred_time TEXT NOT NULL DEFAULT '',
    preferred_from_hour INTEGER,
    preferred_to_hour INTEGER,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    erased_at TIMESTAMP,
    merged_into_id INTEGER REFERENCES people (id)
);
CREATE UNIQUE INDEX people_external ON people (source, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX people_sort ON people (sort_key, id);
CREATE INDEX people_name_key ON people (name_key) WHERE name_key <> '';
CREATE INDEX people_household ON people (household_id) WHERE household_id IS NOT NULL;
CREATE INDEX people_created ON people (created_at);
CREATE INDEX people_merged ON people (merged_into_id) WHERE merged_into_id IS NOT NULL;

CREATE TABLE contact_points (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('email', 'phone', 'address', 'social')),
    type TEXT NOT NULL DEFAULT '',
    is_primary INTEGER NOT NULL DEFAULT 0,
    value TEXT NOT NULL DEFAULT '',
    original TEXT NOT NULL DEFAULT '',
    match_key TEXT NOT NULL DEFAULT '',
    national TEXT NOT NULL DEFAULT '',
    platform TEXT NOT NULL DEFAULT '',
    line1 TEXT NOT NULL DEFAULT '',
    line2 TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    postcode TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
-- At most one primary per kind; the service keeps at least one.
CREATE UNIQUE INDEX contact_points_primary ON contact_points (person_id, kind) WHERE is_primary;
CREATE INDEX contact_points_person ON contact_points (person_id);
CREATE INDEX contact_points_match ON contact_points (kind, match_key) WHERE match_key <> '';

CREATE TABLE person_roles (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    subtype TEXT NOT NULL DEFAULT '',
    start_date TEXT NOT NULL,
    end_date TEXT,
    program TEXT NOT NULL DEFAULT '',
    program_id INTEGER,
    note TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX person_roles_person ON person_roles (person_id);
CREATE INDEX person_roles_role ON person_roles (role, person_id);

CREATE TABLE relationships (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    other_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    reverse_label TEXT NOT NULL DEFAULT '',
    start_date TEXT,
    end_date TEXT,
    note TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX relationships_person ON relationships (person_id);
CREATE INDEX relationships_other ON relationships (other_id);

CREATE TABLE consents (
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    purpose TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('opt_in', 'opt_out', 'unknown')),
    source TEXT NOT NULL DEFAULT '',
    effective_at TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (person_id, channel, purpose)
);
CREATE INDEX consents_filter ON consents (channel, purpose, status);

CREATE TABLE preference_history (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    channel TEXT NOT NULL DEFAULT '',
    purpose TEXT NOT NULL DEFAULT '',
    value TEXT NOT NULL,
    previous TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    actor_user_id INTEGER,
    effective_at TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX preference_history_person ON preference_history (person_id, effective_at);

CREATE TABLE timeline_events (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor_user_id INTEGER,
    title_key TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    ref_type TEXT NOT NULL DEFAULT '',
    ref_id INTEGER,
    data TEXT NOT NULL DEFAULT '{}',
    confidential INTEGER NOT NULL DEFAULT 0,
    pinned INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX timeline_person ON timeline_events (person_id, occurred_at, id);
CREATE INDEX timeline_ref ON timeline_events (ref_type, ref_id) WHERE ref_type <> '';

CREATE TABLE timeline_mentions (
    event_id INTEGER NOT NULL REFERENCES timeline_events (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX timeline_mentions_user ON timeline_mentions (user_id);

CREATE TABLE special_requests (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by INTEGER,
    resolved_at TIMESTAMP,
    resolved_by INTEGER,
    resolution TEXT NOT NULL DEFAULT ''
);
CREATE INDEX special_requests_person ON special_requests (person_id);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    color TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE person_tags (
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (person_id, tag_id)
);
CREATE INDEX person_tags_tag ON person_tags (tag_id, person_id);

CREATE TABLE custom_fields (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('text', 'number', 'date', 'choice')),
    options TEXT NOT NULL DEFAULT '[]',
    position INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    archived_at TIMESTAMP
);

CREATE TABLE custom_values (
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    field_id INTEGER NOT NULL REFERENCES custom_fields (id) ON DELETE CASCADE,
    value TEXT NOT NULL,
    num REAL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (person_id, field_id)
);
CREATE INDEX custom_values_field ON custom_values (field_id, value);

CREATE TABLE segments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_by INTEGER,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The search text is textsearch.IndexText output: lower-case tokens of letters
-- and ASCII digits, so the tokenizer only splits on spaces (see textsearch).
CREATE VIRTUAL TABLE people_search USING fts5 (body, tokenize = 'unicode61 remove_diacritics 0');

CREATE TABLE duplicate_candidates (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    other_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    dismissed INTEGER NOT NULL DEFAULT 0,
    dismissed_by INTEGER,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (person_id, other_id, reason)
);
CREATE INDEX duplicate_candidates_open ON duplicate_candidates (dismissed, id);
CREATE INDEX duplicate_candidates_other ON duplicate_candidates (other_id);

CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL DEFAULT 'people',
    status TEXT NOT NULL,
    file_name TEXT NOT NULL DEFAULT '',
    file_hash TEXT NOT NULL DEFAULT '',
    options TEXT NOT NULL DEFAULT '{}',
    total INTEGER NOT NULL DEFAULT 0,
    processed INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    errors TEXT NOT NULL DEFAULT '[]',
    actor_user_id INTEGER,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);

-- +goose Down
DROP TABLE imports;
DROP TABLE duplicate_candidates;
DROP TABLE people_search;
DROP TABLE segments;
DROP TABLE custom_values;
DROP TABLE custom_fields;
DROP TABLE person_tags;
DROP TABLE tags;
DROP TABLE special_requests;
DROP TABLE timeline_mentions;
DROP TABLE timeline_events;
DROP TABLE preference_history;
DROP TABLE consents;
DROP TABLE relationships;
DROP TABLE person_roles;
DROP TABLE contact_points;
DROP TABLE people;
DROP TABLE households;
