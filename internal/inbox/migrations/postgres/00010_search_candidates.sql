-- +goose Up
-- The messages a search looks at, for every query that searches: the
-- newest 2,000 matching q among the newest recent_window messages, walking
-- the ids down (a common word fills the 2,000 at once; CASE keeps the GIN
-- index, which would read every match first, out of it); only when they are
-- fewer, the older ones through the GIN index ("+ 0": not a walk, which for
-- a rare or absent word would read every row). Written to plan well with
-- the query as a parameter, as a function body is planned.
-- +goose StatementBegin
CREATE FUNCTION inbox_search_candidates(q text, recent_window bigint) RETURNS SETOF bigint
LANGUAGE sql STABLE ROWS 2000 AS $$
    WITH recent AS MATERIALIZED (
        SELECT message_id FROM inbox_message_search
        WHERE CASE WHEN tsv @@ to_tsquery('simple', q) THEN TRUE END
            AND message_id > (SELECT coalesce(max(message_id), 0) - recent_window FROM inbox_message_search)
        ORDER BY message_id DESC LIMIT 2000)
    SELECT message_id FROM recent
    UNION ALL
    (SELECT message_id FROM inbox_message_search
        WHERE tsv @@ to_tsquery('simple', q)
            AND message_id <= (SELECT coalesce(max(message_id), 0) - recent_window FROM inbox_message_search)
            AND (SELECT count(*) FROM recent) < 2000
        ORDER BY message_id + 0 DESC LIMIT 2000)
    ORDER BY message_id DESC LIMIT 2000
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION inbox_search_candidates(text, bigint);
