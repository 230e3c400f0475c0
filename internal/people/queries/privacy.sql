-- name: TimelineAll
SELECT id, person_id, kind, occurred_at, actor_user_id, title_key, summary, body, ref_type, ref_id, data,
    confidential, pinned, created_at
FROM timeline_events WHERE person_id = $1 ORDER BY occurred_at DESC, id DESC;

-- name: TombstonesOf
SELECT id FROM people WHERE merged_into_id = $1 ORDER BY id;

-- name: ErasePerson
UPDATE people SET display_name = $2, given_name = '', family_name = '', greeting_name = '', sort_name = '',
    sort_key = '', name_key = '', language = '', pronouns = '', birth_date = NULL, household_id = NULL,
    external_id = NULL, do_not_contact = TRUE, preferred_channel = '', preferred_time = '',
    preferred_from_hour = NULL, preferred_to_hour = NULL, erased_at = $3, updated_at = $3
WHERE id = $1;

-- name: EraseContacts
DELETE FROM contact_points WHERE person_id = $1;

-- name: EraseRelationships
DELETE FROM relationships WHERE person_id = $1 OR other_id = $1;

-- name: EraseConsents
DELETE FROM consents WHERE person_id = $1;

-- name: ErasePreferenceHistory
DELETE FROM preference_history WHERE person_id = $1;

-- name: EraseSpecialRequests
DELETE FROM special_requests WHERE person_id = $1;

-- name: EraseRoleNotes
UPDATE person_roles SET note = '' WHERE person_id = $1;

-- name: EraseEventText
UPDATE timeline_events SET summary = '', body = '', data = $2 WHERE id = $1;

-- name: EventDataOf
SELECT id, data FROM timeline_events WHERE person_id = $1;

-- A household left without members keeps no name or address.
-- name: EraseEmptyHousehold
UPDATE households SET name = $2, line1 = '', line2 = '', city = '', region = '', postcode = '', country = '',
    updated_at = $3
WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM people WHERE household_id = $1);
