-- name: InsertAudit
INSERT INTO audit_log (at, actor_user_id, actor_label, action, entity_type, entity_id, changes, ip, request_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: ListAudit
-- One query per filter shape keeps each on its index: PostgreSQL's generic plans
-- cannot use an index behind an "empty parameter OR column = parameter" test.
SELECT id, at, actor_user_id, actor_label, action, entity_type, entity_id, changes, ip, request_id
FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2;

-- name: ListAuditByEntity
SELECT id, at, actor_user_id, actor_label, action, entity_type, entity_id, changes, ip, request_id
FROM audit_log WHERE entity_type = $1 AND entity_id = $2 AND id < $3 ORDER BY id DESC LIMIT $4;

-- name: ListAuditByEntityType
SELECT id, at, actor_user_id, actor_label, action, entity_type, entity_id, changes, ip, request_id
FROM audit_log WHERE entity_type = $1 AND id < $2 ORDER BY id DESC LIMIT $3;

-- name: ListAuditByActor
SELECT id, at, actor_user_id, actor_label, action, entity_type, entity_id, changes, ip, request_id
FROM audit_log WHERE actor_user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3;

-- name: ListAuditByEntityAndActor
SELECT id, at, actor_user_id, actor_label, action, entity_type, entity_id, changes, ip, request_id
FROM audit_log
WHERE entity_type = $1 AND (CAST($2 AS BIGINT) = 0 OR entity_id = $2) AND actor_user_id = $3 AND id < $4
ORDER BY id DESC LIMIT $5;
