-- name: UpsertSearch
INSERT OR REPLACE INTO people_search (rowid, body) VALUES ($1, $2);

-- name: DeleteSearch
DELETE FROM people_search WHERE rowid = $1;

-- name: SearchBody
SELECT body FROM people_search WHERE rowid = $1;

-- Searches rank only candidates: the newest $10 live matches that pass the
-- filters, which FTS5 streams in rowid order and stops early (bm25: lower is
-- better). The page is cut from the candidates before the people rows are
-- read. Ranking every match cost a million-person database over 100 ms for
-- a short prefix.
-- name: SearchPeople
SELECT p.id, p.kind, p.display_name, p.given_name, p.family_name, p.greeting_name, p.sort_name, p.language,
    p.pronouns, p.birth_date, p.household_id, p.source, p.external_id, p.do_not_contact, p.preferred_channel,
    p.preferred_time, p.preferred_from_hour, p.preferred_to_hour, p.created_at, p.updated_at, p.erased_at,
    p.merged_into_id
FROM (
    SELECT id, rank, sort_key FROM (
        SELECT people_search.rowid AS id, bm25(people_search) AS rank, c.sort_key AS sort_key
        FROM people_search JOIN people c ON c.id = people_search.rowid
        WHERE people_search MATCH $1 AND c.erased_at IS NULL AND c.merged_into_id IS NULL
            AND ($2 = '' OR c.kind = $2)
            AND ($3 = '' OR EXISTS (SELECT 1 FROM person_roles r WHERE r.person_id = c.id AND r.role = $3
                AND r.start_date <= $5 AND (r.end_date IS NULL OR r.end_date >= $5)))
            AND ($4 = 0 OR EXISTS (SELECT 1 FROM person_tags t WHERE t.person_id = c.id AND t.tag_id = $4))
            AND ($8 = '' OR c.language = $8 OR c.language LIKE $9)
        ORDER BY people_search.rowid DESC
        LIMIT $10
    )
    ORDER BY rank, sort_key, id
    LIMIT $6 OFFSET $7
) h JOIN people p ON p.id = h.id
ORDER BY h.rank, h.sort_key, h.id;

-- SearchPeople without filters: the candidates come from the index alone
-- (erased and merged profiles have no search row), and only those ranked at
-- least as well as the row after the page ($5 = offset + limit) are
-- joined to people for the tie-break.
-- name: SearchPeopleAll
WITH h AS MATERIALIZED (
    SELECT rowid AS id, bm25(people_search) AS rank FROM people_search
    WHERE people_search MATCH $1
    ORDER BY rowid DESC
    LIMIT $4
), cut AS (
    SELECT coalesce((SELECT rank FROM h ORDER BY rank LIMIT 1 OFFSET $5), 1e300) AS r
)
SELECT p.id, p.kind, p.display_name, p.given_name, p.family_name, p.greeting_name, p.sort_name, p.language,
    p.pronouns, p.birth_date, p.household_id, p.source, p.external_id, p.do_not_contact, p.preferred_channel,
    p.preferred_time, p.preferred_from_hour, p.preferred_to_hour, p.created_at, p.updated_at, p.erased_at,
    p.merged_into_id
FROM h JOIN people p ON p.id = h.id JOIN cut ON h.rank <= cut.r
WHERE p.erased_at IS NULL AND p.merged_into_id IS NULL
ORDER BY h.rank, p.sort_key, p.id
LIMIT $2 OFFSET $3;

-- A fragment for segment filters; :q is the FTS5 expression's placeholder.
-- name: SegmentTextFragment
p.id IN (SELECT rowid FROM people_search WHERE people_search MATCH :q)

-- Case-sensitive substring test for segment filters; :q is the needle.
-- name: SegmentContainsFragment
instr(v.value, :q) > 0

-- The head of a multi-row insert of new search rows (bulk loads); the caller
-- appends ($1, $2), ($3, $4)…
-- name: InsertSearchRows
INSERT INTO people_search (rowid, body) VALUES

-- Merges the index into one segment after a bulk load (searches then read one
-- doclist per term instead of one per segment).
-- name: OptimizeSearch
INSERT INTO people_search (people_search) VALUES ('optimize');
