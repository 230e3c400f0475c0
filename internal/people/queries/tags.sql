-- name: InsertTag
INSERT INTO tags (name, name_key, color, created_at) VALUES ($1, $2, $3, $4) RETURNING id;

-- name: TagByKey
SELECT id, name, color FROM tags WHERE name_key = $1;

-- name: GetTag
SELECT id, name, color FROM tags WHERE id = $1;

-- name: UpdateTag
UPDATE tags SET name = $2, name_key = $3, color = $4 WHERE id = $1;

-- name: DeleteTag
DELETE FROM tags WHERE id = $1;

-- name: TagsWithCounts
SELECT t.id, t.name, t.color,
    (SELECT count(*) FROM person_tags pt JOIN people p ON p.id = pt.person_id
     WHERE pt.tag_id = t.id AND p.erased_at IS NULL AND p.merged_into_id IS NULL) AS n
FROM tags t ORDER BY t.name_key;

-- name: AssignTag
INSERT INTO person_tags (person_id, tag_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING;

-- name: UnassignTag
DELETE FROM person_tags WHERE person_id = $1 AND tag_id = $2;

-- name: TagsOf
SELECT t.id, t.name, t.color FROM person_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.person_id = $1
ORDER BY t.name_key;

-- name: InsertCustomField
INSERT INTO custom_fields (key, label, type, options, position, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id;

-- name: UpdateCustomField
UPDATE custom_fields SET label = $2, options = $3, position = $4 WHERE id = $1;

-- name: ArchiveCustomField
UPDATE custom_fields SET archived_at = $2 WHERE id = $1;

-- name: CustomFieldByKey
SELECT id, key, label, type, options, position, archived_at FROM custom_fields WHERE key = $1;

-- name: CustomFields
SELECT id, key, label, type, options, position, archived_at FROM custom_fields
WHERE ($1 OR archived_at IS NULL) ORDER BY position, id;

-- name: UpsertCustomValue
INSERT INTO custom_values (person_id, field_id, value, num, updated_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (person_id, field_id) DO UPDATE SET value = excluded.value, num = excluded.num, updated_at = excluded.updated_at;

-- name: DeleteCustomValue
DELETE FROM custom_values WHERE person_id = $1 AND field_id = $2;

-- name: CustomValuesOf
SELECT f.id, f.key, f.label, f.type, v.value FROM custom_values v JOIN custom_fields f ON f.id = v.field_id
WHERE v.person_id = $1 ORDER BY f.position, f.id;
