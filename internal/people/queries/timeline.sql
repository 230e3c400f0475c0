-- name: InsertEvent
INSERT INTO timeline_events (person_id, kind, occurred_at, actor_user_id, title_key, summary, body, ref_type, ref_id,
    data, confidential, pinned, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id;

-- name: InsertMention
INSERT INTO timeline_mentions (event_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING;

-- name: GetEvent
SELECT id, person_id, kind, occurred_at, actor_user_id, title_key, summary, body, ref_type, ref_id, data,
    confidential, pinned, created_at
FROM timeline_events WHERE id = $1;

-- name: TimelinePage
SELECT id, person_id, kind, occurred_at, actor_user_id, title_key, summary, body, ref_type, ref_id, data,
    confidential, pinned, created_at
FROM timeline_events
WHERE person_id = $1 AND ($2 OR NOT confidential)
    AND ($3 OR occurred_at < $4 OR (occurred_at = $4 AND id < $5))
ORDER BY occurred_at DESC, id DESC
LIMIT $6;

-- name: PinnedEvents
SELECT id, person_id, kind, occurred_at, actor_user_id, title_key, summary, body, ref_type, ref_id, data,
    confidential, pinned, created_at
FROM timeline_events
WHERE person_id = $1 AND pinned AND ($2 OR NOT confidential)
ORDER BY occurred_at DESC, id DESC;

-- name: SetEventPinned
UPDATE timeline_events SET pinned = $2 WHERE id = $1;

-- name: EventsByRef
SELECT id, person_id, kind, occurred_at, actor_user_id, title_key, summary, body, ref_type, ref_id, data,
    confidential, pinned, created_at
FROM timeline_events WHERE ref_type = $1 AND ref_id = $2 ORDER BY id;

-- name: NoteTexts
SELECT body FROM timeline_events WHERE person_id = $1 AND kind = 'note' AND NOT confidential AND body <> ''
ORDER BY occurred_at DESC, id DESC LIMIT 200;

-- name: MentionsOf
SELECT m.event_id FROM timeline_mentions m WHERE m.user_id = $1 ORDER BY m.event_id DESC LIMIT $2;

-- name: InsertSpecialRequest
INSERT INTO special_requests (person_id, body, created_at, created_by) VALUES ($1, $2, $3, $4) RETURNING id;

-- name: GetSpecialRequest
SELECT id, person_id, body, created_at, created_by, resolved_at, resolved_by, resolution
FROM special_requests WHERE id = $1;

-- name: SpecialRequestsOf
SELECT id, person_id, body, created_at, created_by, resolved_at, resolved_by, resolution
FROM special_requests WHERE person_id = $1 AND ($2 OR resolved_at IS NULL) ORDER BY created_at, id;

-- name: ResolveSpecialRequest
UPDATE special_requests SET resolved_at = $2, resolved_by = $3, resolution = $4 WHERE id = $1;
