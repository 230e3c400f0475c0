-- name: GetConsent
SELECT status, effective_at FROM consents WHERE person_id = $1 AND channel = $2 AND purpose = $3;

-- name: UpsertConsent
INSERT INTO consents (person_id, channel, purpose, status, source, effective_at, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (person_id, channel, purpose) DO UPDATE SET status = excluded.status, source = excluded.source,
    effective_at = excluded.effective_at, recorded_at = excluded.recorded_at;

-- name: ConsentsOf
SELECT channel, purpose, status, source, effective_at, recorded_at FROM consents WHERE person_id = $1
ORDER BY channel, purpose;

-- name: InsertPreferenceChange
INSERT INTO preference_history (person_id, field, channel, purpose, value, previous, source, note, actor_user_id,
    effective_at, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);

-- name: PreferenceHistory
SELECT id, field, channel, purpose, value, previous, source, note, actor_user_id, effective_at, recorded_at
FROM preference_history WHERE person_id = $1 ORDER BY effective_at, id;

-- name: PreferenceHistoryUntil
SELECT field, channel, purpose, value FROM preference_history
WHERE person_id = $1 AND effective_at <= $2 ORDER BY effective_at, id;

-- name: SetDoNotContact
UPDATE people SET do_not_contact = $2, updated_at = $3 WHERE id = $1;

-- name: SetPreferences
UPDATE people SET preferred_channel = $2, preferred_time = $3, preferred_from_hour = $4, preferred_to_hour = $5,
    updated_at = $6 WHERE id = $1;

-- name: CountContactsOfKind
SELECT count(*) FROM contact_points WHERE person_id = $1 AND kind = $2;
