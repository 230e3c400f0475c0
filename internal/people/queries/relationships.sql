-- name: InsertRelationship
INSERT INTO relationships (person_id, other_id, type, label, reverse_label, start_date, end_date, note, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id;

-- name: UpdateRelationship
UPDATE relationships SET type = $2, label = $3, reverse_label = $4, start_date = $5, end_date = $6, note = $7
WHERE id = $1;

-- name: GetRelationshipRow
SELECT id, person_id, other_id, type, label, reverse_label, start_date, end_date, note, created_at
FROM relationships WHERE id = $1;

-- name: RelationshipsOf
SELECT r.id, r.person_id, r.other_id, r.type, r.label, r.reverse_label, r.start_date, r.end_date, r.note,
    r.created_at, o.display_name, o.kind, FALSE AS reverse
FROM relationships r JOIN people o ON o.id = r.other_id
WHERE r.person_id = $1
UNION ALL
SELECT r.id, r.other_id, r.person_id, r.type, r.label, r.reverse_label, r.start_date, r.end_date, r.note,
    r.created_at, o.display_name, o.kind, TRUE AS reverse
FROM relationships r JOIN people o ON o.id = r.person_id
WHERE r.other_id = $1
ORDER BY 1;

-- name: DeleteRelationship
DELETE FROM relationships WHERE id = $1;

-- name: RelatedPeople
SELECT other_id FROM relationships WHERE person_id = $1
UNION
SELECT person_id FROM relationships WHERE other_id = $1;

-- name: RelatedOrgNames
SELECT o.display_name FROM relationships r JOIN people o ON o.id = r.other_id
WHERE r.person_id = $1 AND o.kind = 'organization' AND o.erased_at IS NULL
UNION ALL
SELECT o.display_name FROM relationships r JOIN people o ON o.id = r.person_id
WHERE r.other_id = $1 AND o.kind = 'organization' AND o.erased_at IS NULL;
