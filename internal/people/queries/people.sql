-- name: InsertPerson
INSERT INTO people (kind, display_name, given_name, family_name, greeting_name, sort_name, sort_key, name_key,
    language, pronouns, birth_date, household_id, source, external_id, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)
RETURNING id;

-- name: UpdatePerson
UPDATE people SET kind = $2, display_name = $3, given_name = $4, family_name = $5, greeting_name = $6,
    sort_name = $7, sort_key = $8, name_key = $9, language = $10, pronouns = $11, birth_date = $12,
    household_id = $13, source = $14, external_id = $15, updated_at = $16
WHERE id = $1;

-- name: TouchPerson
UPDATE people SET updated_at = $2 WHERE id = $1;

-- name: GetPerson
SELECT id, kind, display_name, given_name, family_name, greeting_name, sort_name, language, pronouns,
    birth_date, household_id, source, external_id, do_not_contact, preferred_channel, preferred_time,
    preferred_from_hour, preferred_to_hour, created_at, updated_at, erased_at, merged_into_id
FROM people WHERE id = $1;

-- name: ListPeople
SELECT id, kind, display_name, given_name, family_name, greeting_name, sort_name, language, pronouns,
    birth_date, household_id, source, external_id, do_not_contact, preferred_channel, preferred_time,
    preferred_from_hour, preferred_to_hour, created_at, updated_at, erased_at, merged_into_id
FROM people
WHERE erased_at IS NULL AND merged_into_id IS NULL
    AND (sort_key > $1 OR (sort_key = $1 AND id > $2))
ORDER BY sort_key, id
LIMIT $3;

-- name: PersonByExternalID
SELECT id FROM people WHERE source = $1 AND external_id = $2;

-- name: MergedInto
SELECT merged_into_id FROM people WHERE id = $1;

-- name: PeopleInHousehold
SELECT id FROM people WHERE household_id = $1 AND erased_at IS NULL AND merged_into_id IS NULL ORDER BY id;

-- name: InsertHousehold
INSERT INTO households (name, line1, line2, city, region, postcode, country, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id;

-- name: UpdateHousehold
UPDATE households SET name = $2, line1 = $3, line2 = $4, city = $5, region = $6, postcode = $7, country = $8,
    updated_at = $9 WHERE id = $1;

-- name: GetHousehold
SELECT id, name, line1, line2, city, region, postcode, country, created_at, updated_at FROM households WHERE id = $1;

-- name: SetHousehold
UPDATE people SET household_id = $2, updated_at = $3 WHERE id = $1;

-- name: InsertContact
INSERT INTO contact_points (person_id, kind, type, is_primary, value, original, match_key, national, platform,
    line1, line2, city, region, postcode, country, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id;

-- name: UpdateContact
UPDATE contact_points SET type = $2, value = $3, original = $4, match_key = $5, national = $6, platform = $7,
    line1 = $8, line2 = $9, city = $10, region = $11, postcode = $12, country = $13
WHERE id = $1;

-- name: GetContact
SELECT id, person_id, kind, type, is_primary, value, original, national, platform, line1, line2, city, region,
    postcode, country, created_at
FROM contact_points WHERE id = $1;

-- name: ContactsOf
SELECT id, person_id, kind, type, is_primary, value, original, national, platform, line1, line2, city, region,
    postcode, country, created_at
FROM contact_points WHERE person_id = $1
ORDER BY kind, is_primary DESC, id;

-- name: DeleteContact
DELETE FROM contact_points WHERE id = $1;

-- name: ClearPrimary
UPDATE contact_points SET is_primary = FALSE WHERE person_id = $1 AND kind = $2 AND is_primary;

-- name: SetPrimary
UPDATE contact_points SET is_primary = TRUE WHERE id = $1;

-- name: HasPrimary
SELECT count(*) FROM contact_points WHERE person_id = $1 AND kind = $2 AND is_primary;

-- name: OldestContactOfKind
SELECT id FROM contact_points WHERE person_id = $1 AND kind = $2 ORDER BY id LIMIT 1;

-- name: ContactMatchOf
SELECT id FROM contact_points WHERE person_id = $1 AND kind = $2 AND match_key = $3 AND match_key <> '' LIMIT 1;

-- name: PeopleByContact
SELECT DISTINCT c.person_id FROM contact_points c JOIN people p ON p.id = c.person_id
WHERE c.kind = $1 AND c.match_key = $2 AND c.match_key <> '' AND p.erased_at IS NULL AND p.merged_into_id IS NULL
ORDER BY c.person_id;

-- Refreshes the planner's statistics after a bulk load (same statement on both engines).
-- name: Analyze
ANALYZE;
