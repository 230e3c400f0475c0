-- name: DupByContact
SELECT DISTINCT o.person_id, c.kind FROM contact_points c
JOIN contact_points o ON o.kind = c.kind AND o.match_key = c.match_key AND o.person_id <> c.person_id
JOIN people p ON p.id = o.person_id
WHERE c.person_id = $1 AND c.kind IN ('email', 'phone') AND c.match_key <> '' AND o.match_key <> ''
    AND p.erased_at IS NULL AND p.merged_into_id IS NULL;

-- name: DupByNamePostcode
SELECT DISTINCT o.id FROM people me
JOIN people o ON o.name_key = me.name_key AND o.id <> me.id
JOIN contact_points a ON a.person_id = me.id AND a.kind = 'address' AND a.match_key <> ''
JOIN contact_points b ON b.person_id = o.id AND b.kind = 'address' AND b.match_key = a.match_key AND b.match_key <> ''
WHERE me.id = $1 AND me.name_key <> '' AND o.name_key <> '' AND o.erased_at IS NULL AND o.merged_into_id IS NULL;

-- name: DupByNameBirth
SELECT o.id FROM people me
JOIN people o ON o.name_key = me.name_key AND o.birth_date = me.birth_date AND o.id <> me.id
WHERE me.id = $1 AND me.name_key <> '' AND o.name_key <> '' AND o.erased_at IS NULL AND o.merged_into_id IS NULL;

-- name: ScanDupContacts
INSERT INTO duplicate_candidates (person_id, other_id, reason, created_at)
SELECT DISTINCT a.person_id, b.person_id, a.kind, $1 FROM contact_points a
JOIN contact_points b ON b.kind = a.kind AND b.match_key = a.match_key AND b.person_id > a.person_id
JOIN people pa ON pa.id = a.person_id
JOIN people pb ON pb.id = b.person_id
WHERE a.kind IN ('email', 'phone') AND a.match_key <> '' AND b.match_key <> ''
    AND pa.erased_at IS NULL AND pa.merged_into_id IS NULL AND pb.erased_at IS NULL AND pb.merged_into_id IS NULL
ON CONFLICT DO NOTHING;

-- name: ScanDupNamePostcode
INSERT INTO duplicate_candidates (person_id, other_id, reason, created_at)
SELECT DISTINCT pa.id, pb.id, 'name_postcode', $1 FROM people pa
JOIN people pb ON pb.name_key = pa.name_key AND pb.id > pa.id
JOIN contact_points a ON a.person_id = pa.id AND a.kind = 'address' AND a.match_key <> ''
JOIN contact_points b ON b.person_id = pb.id AND b.kind = 'address' AND b.match_key = a.match_key AND b.match_key <> ''
WHERE pa.name_key <> '' AND pb.name_key <> '' AND pa.erased_at IS NULL AND pa.merged_into_id IS NULL
    AND pb.erased_at IS NULL AND pb.merged_into_id IS NULL
ON CONFLICT DO NOTHING;

-- name: ScanDupNameBirth
INSERT INTO duplicate_candidates (person_id, other_id, reason, created_at)
SELECT pa.id, pb.id, 'name_birth_date', $1 FROM people pa
JOIN people pb ON pb.name_key = pa.name_key AND pb.birth_date = pa.birth_date AND pb.id > pa.id
WHERE pa.name_key <> '' AND pb.name_key <> '' AND pa.erased_at IS NULL AND pa.merged_into_id IS NULL
    AND pb.erased_at IS NULL AND pb.merged_into_id IS NULL
ON CONFLICT DO NOTHING;

-- name: InsertDuplicateCandidate
INSERT INTO duplicate_candidates (person_id, other_id, reason, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING;

-- name: DuplicateCandidates
SELECT c.id, c.person_id, c.other_id, c.reason, c.created_at, a.display_name, b.display_name
FROM duplicate_candidates c JOIN people a ON a.id = c.person_id JOIN people b ON b.id = c.other_id
WHERE NOT c.dismissed AND c.id > $1
    AND a.erased_at IS NULL AND a.merged_into_id IS NULL AND b.erased_at IS NULL AND b.merged_into_id IS NULL
ORDER BY c.id LIMIT $2;

-- name: DismissDuplicate
UPDATE duplicate_candidates SET dismissed = TRUE, dismissed_by = $2 WHERE id = $1;

-- name: DeleteDuplicatesOf
DELETE FROM duplicate_candidates WHERE person_id = $1 OR other_id = $1;

-- name: MoveContact
UPDATE contact_points SET person_id = $2, is_primary = FALSE WHERE id = $1;

-- name: MoveRoles
UPDATE person_roles SET person_id = $1 WHERE person_id = $2;

-- name: RelationshipsBetween
SELECT id, type FROM relationships WHERE (person_id = $1 AND other_id = $2) OR (person_id = $2 AND other_id = $1);

-- name: MoveRelationshipsFrom
UPDATE relationships SET person_id = $1 WHERE person_id = $2;

-- name: MoveRelationshipsTo
UPDATE relationships SET other_id = $1 WHERE other_id = $2;

-- name: MovePreferenceHistory
UPDATE preference_history SET person_id = $1 WHERE person_id = $2;

-- name: DeleteConsent
DELETE FROM consents WHERE person_id = $1 AND channel = $2 AND purpose = $3;

-- name: MoveTimeline
UPDATE timeline_events SET person_id = $1 WHERE person_id = $2;

-- name: MoveSpecialRequests
UPDATE special_requests SET person_id = $1 WHERE person_id = $2;

-- name: CopyTags
INSERT INTO person_tags (person_id, tag_id, created_at)
SELECT $1, tag_id, created_at FROM person_tags WHERE person_id = $2
ON CONFLICT DO NOTHING;

-- name: DeleteTagsOf
DELETE FROM person_tags WHERE person_id = $1;

-- name: CopyCustomValues
INSERT INTO custom_values (person_id, field_id, value, num, updated_at)
SELECT $1, field_id, value, num, updated_at FROM custom_values WHERE person_id = $2
ON CONFLICT DO NOTHING;

-- name: DeleteCustomValuesOf
DELETE FROM custom_values WHERE person_id = $1;

-- name: RepointTombstones
UPDATE people SET merged_into_id = $1 WHERE merged_into_id = $2;

-- name: MarkMerged
UPDATE people SET merged_into_id = $2, updated_at = $3 WHERE id = $1;

-- name: FillPreferences
UPDATE people SET do_not_contact = $2, preferred_channel = $3, preferred_time = $4, preferred_from_hour = $5,
    preferred_to_hour = $6 WHERE id = $1;
