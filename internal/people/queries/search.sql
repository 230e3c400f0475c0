-- name: BrowsePeople
SELECT p.id, p.kind, p.display_name, p.given_name, p.family_name, p.greeting_name, p.sort_name, p.language,
    p.pronouns, p.birth_date, p.household_id, p.source, p.external_id, p.do_not_contact, p.preferred_channel,
    p.preferred_time, p.preferred_from_hour, p.preferred_to_hour, p.created_at, p.updated_at, p.erased_at,
    p.merged_into_id
FROM people p
WHERE p.erased_at IS NULL AND p.merged_into_id IS NULL
    AND ($1 = '' OR p.kind = $1)
    AND ($2 = '' OR EXISTS (SELECT 1 FROM person_roles r WHERE r.person_id = p.id AND r.role = $2
        AND r.start_date <= $4 AND (r.end_date IS NULL OR r.end_date >= $4)))
    AND ($3 = 0 OR EXISTS (SELECT 1 FROM person_tags t WHERE t.person_id = p.id AND t.tag_id = $3))
    AND ($7 = '' OR p.language = $7 OR p.language LIKE $8)
ORDER BY p.sort_key, p.id
LIMIT $5 OFFSET $6;

-- name: SearchPersonRow
SELECT display_name, given_name, family_name, greeting_name, sort_name, erased_at, merged_into_id
FROM people WHERE id = $1;

-- name: SearchContacts
SELECT kind, value, platform FROM contact_points WHERE person_id = $1 AND kind <> 'address' ORDER BY id;
