-- The audit entries about one person that still carry values.
-- name: AuditChangesOf
SELECT id, changes FROM audit_log
WHERE entity_type = 'person' AND entity_id = $1 AND changes IS NOT NULL;

-- name: ScrubAuditChanges
UPDATE audit_log SET changes = $2 WHERE id = $1;
