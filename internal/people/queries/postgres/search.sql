-- name: UpsertSearch
INSERT INTO people_search (person_id, body) VALUES ($1, $2)
ON CONFLICT (person_id) DO UPDATE SET body = excluded.body;

-- name: DeleteSearch
DELETE FROM people_search WHERE person_id = $1;

-- name: SearchBody
SELECT body FROM people_search WHERE person_id = $1;

-- ts_rank's normalization 1 (divide by 1 + log length) favours short rows as
-- FTS5's bm25 does, so both engines order ties the same way. The matches are
-- found first through the GIN index and their people rows fetched by key
-- (OFFSET 0 keeps the planner from turning that into a scan of people).
-- name: SearchPeople
SELECT p.id, p.kind, p.display_name, p.given_name, p.family_name, p.greeting_name, p.sort_name, p.language,
    p.pronouns, p.birth_date, p.household_id, p.source, p.external_id, p.do_not_contact, p.preferred_channel,
    p.preferred_time, p.preferred_from_hour, p.preferred_to_hour, p.created_at, p.updated_at, p.erased_at,
    p.merged_into_id
FROM (
    SELECT s.person_id, ts_rank(s.tsv, q, 1) AS rank
    FROM people_search s, to_tsquery('simple', $1) q
    WHERE s.tsv @@ q
) h
CROSS JOIN LATERAL (SELECT * FROM people WHERE id = h.person_id OFFSET 0) p
WHERE p.erased_at IS NULL AND p.merged_into_id IS NULL
    AND ($2 = '' OR p.kind = $2)
    AND ($3 = '' OR EXISTS (SELECT 1 FROM person_roles r WHERE r.person_id = p.id AND r.role = $3
        AND r.start_date <= $5 AND (r.end_date IS NULL OR r.end_date >= $5)))
    AND ($4 = 0 OR EXISTS (SELECT 1 FROM person_tags t WHERE t.person_id = p.id AND t.tag_id = $4))
ORDER BY h.rank DESC, p.sort_key, p.id
LIMIT $6 OFFSET $7;

-- A fragment for segment filters; :q is the tsquery's placeholder.
-- name: SegmentTextFragment
p.id IN (SELECT person_id FROM people_search WHERE tsv @@ to_tsquery('simple', :q))

-- Case-sensitive substring test for segment filters; :q is the needle.
-- name: SegmentContainsFragment
strpos(v.value, :q) > 0
