-- name: InsertUser
-- ON CONFLICT … DO NOTHING turns a duplicate email into "no row" on both
-- dialects, without parsing driver-specific constraint errors.
INSERT INTO users (email, email_key, name, role, locale, password_hash, active, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $7)
ON CONFLICT (email_key) DO NOTHING
RETURNING id;

-- name: GetUser
SELECT id, email, name, role, locale, password_hash, active, failed_attempts,
       locked_until, last_sign_in_at, created_at, updated_at
FROM users WHERE id = $1;

-- name: GetUserByEmailKey
SELECT id, email, name, role, locale, password_hash, active, failed_attempts,
       locked_until, last_sign_in_at, created_at, updated_at
FROM users WHERE email_key = $1;

-- name: ListUsers
SELECT id, email, name, role, locale, password_hash, active, failed_attempts,
       locked_until, last_sign_in_at, created_at, updated_at
FROM users WHERE id > $1 ORDER BY id LIMIT $2;

-- name: EmailKeyTaken
SELECT EXISTS (SELECT 1 FROM users WHERE email_key = $1 AND id <> $2);

-- name: CountActiveAdmins
SELECT count(*) FROM users WHERE role = 'admin' AND active = TRUE;

-- name: UpdateUser
UPDATE users SET email = $2, email_key = $3, name = $4, role = $5, locale = $6, active = $7, updated_at = $8
WHERE id = $1;

-- name: SetPasswordHash
-- A new password also lifts a lockout: it is how an admin unlocks an account.
UPDATE users SET password_hash = $2, failed_attempts = 0, locked_until = NULL, updated_at = $3
WHERE id = $1;

-- name: RehashPassword
UPDATE users SET password_hash = $2 WHERE id = $1;

-- name: RecordSignIn
UPDATE users SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = $2 WHERE id = $1;

-- name: RecordUserFailure
-- One statement, so concurrent failures count exactly. Reaching the limit locks
-- the account until $3 and restarts the count; the returned count is 0 then.
UPDATE users SET
    failed_attempts = CASE WHEN failed_attempts + 1 >= $2 THEN 0 ELSE failed_attempts + 1 END,
    locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN $3 ELSE locked_until END
WHERE id = $1
RETURNING failed_attempts;
