-- The workspace list: a view with filters and a chosen order. $1: statuses
-- ",new,open,"; $2: assignee (>0 that user, -1 nobody, 0 any); $3: team (>0,
-- -1 the actor's teams, 0 any); $4: the actor; ($5, $6): keyset cursor on the
-- order's key; $7: limit; $8: order (due, newest, oldest); $9: channel; $10:
-- priority; $11: LIKE pattern on the tags' JSON ('' any); $12: 1 for snoozed
-- only, else not snoozed; $13: 1 to keep only running clocks due by $14;
-- $15: search (tsquery syntax, '' none), in the messages SearchCandidates
-- picks ($17: their ids as a JSON array); $16: the last sort key the
-- statuses can hold (sortUntil): views of open work read the running
-- conversations only.
-- name: WorkspaceList
SELECT c.id, c.row_version
FROM inbox_conversations c
WHERE $1 LIKE ('%,' || c.status || ',%')
    AND (CAST($2 AS BIGINT) = 0 OR (CAST($2 AS BIGINT) = -1 AND c.assignee_user_id IS NULL) OR (CAST($2 AS BIGINT) > 0 AND c.assignee_user_id = CAST($2 AS BIGINT)))
    AND (CAST($3 AS BIGINT) = 0 OR c.team_id = CAST($3 AS BIGINT)
        OR (CAST($3 AS BIGINT) = -1 AND c.team_id IN (SELECT team_id FROM team_members WHERE user_id = CAST($4 AS BIGINT))))
    AND ($9 = '' OR c.channel = $9)
    AND ($10 = '' OR c.priority = $10)
    AND ($11 = '' OR CAST(c.tags AS TEXT) LIKE $11 ESCAPE '\')
    AND ((CAST($12 AS BIGINT) = 1 AND c.snoozed_until IS NOT NULL) OR (CAST($12 AS BIGINT) = 0 AND c.snoozed_until IS NULL))
    AND (CAST($13 AS BIGINT) = 0 OR (c.status IN ('new', 'open') AND c.sort_at <= $14))
    AND ($15 = '' OR c.id IN (SELECT m.conversation_id FROM inbox_messages m
        WHERE m.id IN (SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST($17 AS JSON)))))
    AND (($8 = 'due' AND (c.sort_at > $5 OR (c.sort_at = $5 AND c.id > CAST($6 AS BIGINT))))
        OR ($8 = 'oldest' AND (c.created_at > $5 OR (c.created_at = $5 AND c.id > CAST($6 AS BIGINT))))
        OR ($8 = 'newest' AND (c.last_message_at < $5 OR (c.last_message_at = $5 AND c.id < CAST($6 AS BIGINT)))))
    AND c.sort_at <= $16
ORDER BY CASE WHEN $8 = 'due' THEN c.sort_at END, CASE WHEN $8 = 'oldest' THEN c.created_at END,
    CASE WHEN $8 = 'newest' THEN c.last_message_at END DESC, CASE WHEN $8 = 'newest' THEN -c.id ELSE c.id END
LIMIT $7;

-- WorkspaceList in due order (the default, and the "breaching soon" view),
-- written as an index range like ListConversations so the walk stops at
-- the page: WorkspaceList sorts every match, 450 ms at a million
-- conversations in the "breaching soon" view. $8 is 'due'. "|| ''" keeps the status index out of
-- "breaching soon": read through it, both statuses' ranges were read whole
-- and sorted (9.3 ms at a million conversations, 0.06 ms walking the sort
-- index). Its filters are WorkspaceList's: change both together.
-- name: WorkspaceListDue
SELECT c.id, c.row_version
FROM inbox_conversations c
WHERE $1 LIKE ('%,' || c.status || ',%')
    AND (CAST($2 AS BIGINT) = 0 OR (CAST($2 AS BIGINT) = -1 AND c.assignee_user_id IS NULL) OR (CAST($2 AS BIGINT) > 0 AND c.assignee_user_id = CAST($2 AS BIGINT)))
    AND (CAST($3 AS BIGINT) = 0 OR c.team_id = CAST($3 AS BIGINT)
        OR (CAST($3 AS BIGINT) = -1 AND c.team_id IN (SELECT team_id FROM team_members WHERE user_id = CAST($4 AS BIGINT))))
    AND ($9 = '' OR c.channel = $9)
    AND ($10 = '' OR c.priority = $10)
    AND ($11 = '' OR CAST(c.tags AS TEXT) LIKE $11 ESCAPE '\')
    AND ((CAST($12 AS BIGINT) = 1 AND c.snoozed_until IS NOT NULL) OR (CAST($12 AS BIGINT) = 0 AND c.snoozed_until IS NULL))
    AND (CAST($13 AS BIGINT) = 0 OR (c.status || '' IN ('new', 'open') AND c.sort_at <= $14))
    AND ($15 = '' OR c.id IN (SELECT m.conversation_id FROM inbox_messages m
        WHERE m.id IN (SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST($17 AS JSON)))))
    AND $8 = 'due' AND (c.sort_at, c.id) > ($5, CAST($6 AS BIGINT)) AND c.sort_at <= $16
ORDER BY c.sort_at, c.id
LIMIT $7;
