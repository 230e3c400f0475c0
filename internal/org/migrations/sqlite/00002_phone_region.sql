-- +goose Up
-- The country of phone numbers written without a country code (ISO 3166-1
-- alpha-2, "TR"); empty until an admin sets it.
ALTER TABLE organization ADD COLUMN phone_region TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE organization DROP COLUMN phone_region;
