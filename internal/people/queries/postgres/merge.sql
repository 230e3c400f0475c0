-- PostgreSQL cannot infer a parameter's type in a SELECT list.
-- name: ScanDupContacts
INSERT INTO duplicate_candidates (person_id, other_id, reason, created_at)
SELECT DISTINCT a.person_id, b.person_id, a.kind, $1::timestamptz FROM contact_points a
JOIN contact_points b ON b.kind = a.kind AND b.match_key = a.match_key AND b.person_id > a.person_id
JOIN people pa ON pa.id = a.person_id
JOIN people pb ON pb.id = b.person_id
WHERE a.kind IN ('email', 'phone') AND a.match_key <> '' AND b.match_key <> ''
    AND pa.erased_at IS NULL AND pa.merged_into_id IS NULL AND pb.erased_at IS NULL AND pb.merged_into_id IS NULL
ON CONFLICT DO NOTHING;

-- name: ScanDupNamePostcode
INSERT INTO duplicate_candidates (person_id, other_id, reason, created_at)
SELECT DISTINCT pa.id, pb.id, 'name_postcode', $1::timestamptz FROM people pa
JOIN people pb ON pb.name_key = pa.name_key AND pb.id > pa.id
JOIN contact_points a ON a.person_id = pa.id AND a.kind = 'address' AND a.match_key <> ''
JOIN contact_points b ON b.person_id = pb.id AND b.kind = 'address' AND b.match_key = a.match_key AND b.match_key <> ''
WHERE pa.name_key <> '' AND pb.name_key <> '' AND pa.erased_at IS NULL AND pa.merged_into_id IS NULL
    AND pb.erased_at IS NULL AND pb.merged_into_id IS NULL
ON CONFLICT DO NOTHING;

-- name: ScanDupNameBirth
INSERT INTO duplicate_candidates (person_id, other_id, reason, created_at)
SELECT pa.id, pb.id, 'name_birth_date', $1::timestamptz FROM people pa
JOIN people pb ON pb.name_key = pa.name_key AND pb.birth_date = pa.birth_date AND pb.id > pa.id
WHERE pa.name_key <> '' AND pb.name_key <> '' AND pa.erased_at IS NULL AND pa.merged_into_id IS NULL
    AND pb.erased_at IS NULL AND pb.merged_into_id IS NULL
ON CONFLICT DO NOTHING;
