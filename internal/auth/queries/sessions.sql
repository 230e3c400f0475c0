-- name: FindSession
SELECT data FROM sessions WHERE token = $1 AND expiry > $2;

-- name: CommitSession
INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)
ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry;

-- name: DeleteSession
DELETE FROM sessions WHERE token = $1;

-- name: AllSessions
SELECT token, data FROM sessions WHERE expiry > $1;

-- name: DeleteExpiredSessions
DELETE FROM sessions WHERE expiry <= $1;
