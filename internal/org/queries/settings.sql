-- name: GetSettings
SELECT name, default_locale, time_zone, currency, reply_to_domain, created_at, updated_at, phone_region
FROM organization WHERE id = 1;

-- name: UpdateSettings
UPDATE organization
SET name = $1, default_locale = $2, time_zone = $3, currency = $4, reply_to_domain = $5, updated_at = $6, phone_region = $7
WHERE id = 1;
