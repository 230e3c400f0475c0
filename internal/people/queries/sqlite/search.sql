-- name: UpsertSearch
INSERT OR REPLACE INTO people_search (rowid, body) VALUES ($1, $2);

-- name: DeleteSearch
DELETE FROM people_search WHERE rowid = $1;

-- name: SearchBody
SELECT body FROM people_search WHERE rowid = $1;

-- name: SearchPeople
SELECT p.id, p.kind, p.display_name, p.given_name, p.family_name, p.greeting_name, p.sort_name, p.language,
    p.pronouns, p.birth_date, p.household_id, p.source, p.external_id, p.do_not_contact, p.preferred_channel,
    p.preferred_time, p.preferred_from_hour, p.preferred_to_hour, p.created_at, p.updated_at, p.erased_at,
    p.merged_into_id
FROM people_search JOIN people p ON p.id = people_search.rowid
WHERE people_search MATCH $1 AND p.erased_at IS NULL AND p.merged_into_id IS NULL
    AND ($2 = '' OR p.kind = $2)
    AND ($3 = '' OR EXISTS (SELECT 1 FROM person_roles r WHERE r.person_id = p.id AND r.role = $3
        AND r.start_date <= $5 AND (r.end_date IS NULL OR r.end_date >= $5)))
    AND ($4 = 0 OR EXISTS (SELECT 1 FROM person_tags t WHERE t.person_id = p.id AND t.tag_id = $4))
ORDER BY bm25(people_search), p.sort_key, p.id
LIMIT $6 OFFSET $7;

-- A fragment for segment filters; :q is the FTS5 expression's placeholder.
-- name: SegmentTextFragment
p.id IN (SELECT rowid FROM people_search WHERE people_search MATCH :q)

-- Case-sensitive substring test for segment filters; :q is the needle.
-- name: SegmentContainsFragment
instr(v.value, :q) > 0
