-- name: InsertToken
INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id;

-- name: GetToken
SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at, expires_at
FROM api_tokens WHERE id = $1;

-- name: ListTokensOfUser
SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at, expires_at
FROM api_tokens WHERE user_id = $1 ORDER BY id DESC;

-- name: ListAllTokens
SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at, expires_at
FROM api_tokens ORDER BY id DESC;

-- name: RevokeToken
UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL;

-- name: VerifyToken
SELECT t.id, t.user_id, t.name, t.prefix, t.created_at, t.last_used_at, t.revoked_at, t.expires_at,
       u.id, u.email, u.name, u.role, u.locale, u.password_hash, u.active, u.failed_attempts,
       u.locked_until, u.last_sign_in_at, u.created_at, u.updated_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = $1;

-- name: TouchToken
-- The condition keeps concurrent requests from all writing the same minute.
UPDATE api_tokens SET last_used_at = $2
WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3);
