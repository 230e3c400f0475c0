-- name: UpsertSearch
INSERT INTO people_search (person_id, body) VALUES ($1, $2)
ON CONFLICT (person_id) DO UPDATE SET body = excluded.body;

-- name: DeleteSearch
DELETE FROM people_search WHERE person_id = $1;

-- name: SearchBody
SELECT body FROM people_search WHERE person_id = $1;

-- ts_rank's normalization 1 (divide by 1 + log length) favours short rows as
-- FTS5's bm25 does, so both engines order ties the same way. As on SQLite,
-- only the newest $10 live matches that pass the filters are ranked: the
-- matches come from the GIN index (OFFSET 0 and MATERIALIZED keep the
-- planner from walking the primary key backwards and testing every row, which
-- scans the whole table for a rare word), their people rows are fetched by
-- key, and ts_rank runs on the candidates only.
-- name: SearchPeople
SELECT p.id, p.kind, p.display_name, p.given_name, p.family_name, p.greeting_name, p.sort_name, p.language,
    p.pronouns, p.birth_date, p.household_id, p.source, p.external_id, p.do_not_contact, p.preferred_channel,
    p.preferred_time, p.preferred_from_hour, p.preferred_to_hour, p.created_at, p.updated_at, p.erased_at,
    p.merged_into_id
FROM (
    SELECT h.person_id, ts_rank(h.tsv, to_tsquery('simple', $1), 1) AS rank, h.sort_key
    FROM (
        SELECT m.person_id, m.tsv, c.sort_key
        FROM (SELECT s.person_id, s.tsv FROM people_search s WHERE s.tsv @@ to_tsquery('simple', $1) OFFSET 0) m
        CROSS JOIN LATERAL (SELECT * FROM people WHERE id = m.person_id OFFSET 0) c
        WHERE c.erased_at IS NULL AND c.merged_into_id IS NULL
            AND ($2 = '' OR c.kind = $2)
            AND ($3 = '' OR EXISTS (SELECT 1 FROM person_roles r WHERE r.person_id = c.id AND r.role = $3
                AND r.start_date <= $5 AND (r.end_date IS NULL OR r.end_date >= $5)))
            AND ($4 = 0 OR EXISTS (SELECT 1 FROM person_tags t WHERE t.person_id = c.id AND t.tag_id = $4))
            AND ($8 = '' OR c.language = $8 OR c.language LIKE $9)
        ORDER BY m.person_id DESC
        LIMIT $10
    ) h
    ORDER BY 2 DESC, h.sort_key, h.person_id
    LIMIT $6 OFFSET $7
) t
JOIN people p ON p.id = t.person_id
ORDER BY t.rank DESC, t.sort_key, t.person_id;

-- SearchPeople without filters: the candidates come from the index alone
-- (erased and merged profiles have no search row), and only those ranked at
-- least as well as the row after the page ($5 = offset + limit) are
-- joined to people for the tie-break.
-- name: SearchPeopleAll
WITH m AS MATERIALIZED (
    SELECT s.person_id, s.tsv FROM people_search s WHERE s.tsv @@ to_tsquery('simple', $1)
), h AS MATERIALIZED (
    SELECT person_id, tsv FROM m ORDER BY person_id DESC LIMIT $4
), r AS MATERIALIZED (
    SELECT person_id, ts_rank(tsv, to_tsquery('simple', $1), 1) AS rank FROM h
), cut AS (
    SELECT coalesce((SELECT rank FROM r ORDER BY rank DESC LIMIT 1 OFFSET $5), -1) AS v
)
SELECT p.id, p.kind, p.display_name, p.given_name, p.family_name, p.greeting_name, p.sort_name, p.language,
    p.pronouns, p.birth_date, p.household_id, p.source, p.external_id, p.do_not_contact, p.preferred_channel,
    p.preferred_time, p.preferred_from_hour, p.preferred_to_hour, p.created_at, p.updated_at, p.erased_at,
    p.merged_into_id
FROM r JOIN people p ON p.id = r.person_id JOIN cut ON r.rank >= cut.v
WHERE p.erased_at IS NULL AND p.merged_into_id IS NULL
ORDER BY r.rank DESC, p.sort_key, p.id
LIMIT $2 OFFSET $3;

-- A fragment for segment filters; :q is the tsquery's placeholder.
-- name: SegmentTextFragment
p.id IN (SELECT person_id FROM people_search WHERE tsv @@ to_tsquery('simple', :q))

-- Case-sensitive substring test for segment filters; :q is the needle.
-- name: SegmentContainsFragment
strpos(v.value, :q) > 0

-- The head of a multi-row insert of new search rows (bulk loads); the caller
-- appends ($1, $2), ($3, $4)…
-- name: InsertSearchRows
INSERT INTO people_search (person_id, body) VALUES

-- Nothing to do: the GIN index needs no merge (autovacuum flushes its
-- pending list).
-- name: OptimizeSearch
SELECT 1;
