-- name: ExportPrimaryContacts
SELECT person_id, kind, value, line1, line2, city, region, postcode, country FROM contact_points
WHERE person_id BETWEEN $1 AND $2 AND is_primary;

-- name: ExportTags
SELECT pt.person_id, t.name FROM person_tags pt JOIN tags t ON t.id = pt.tag_id
WHERE pt.person_id BETWEEN $1 AND $2 ORDER BY pt.person_id, t.name_key;

-- name: ExportCustom
SELECT v.person_id, f.key, v.value FROM custom_values v JOIN custom_fields f ON f.id = v.field_id
WHERE v.person_id BETWEEN $1 AND $2;

-- name: ExportRoles
SELECT person_id, role FROM person_roles
WHERE person_id BETWEEN $1 AND $2 AND start_date <= $3 AND (end_date IS NULL OR end_date >= $3)
ORDER BY person_id, role;
