-- name: CountIPFailures
SELECT count(*) FROM signin_failures WHERE ip = $1 AND at > $2;

-- name: InsertSigninFailure
INSERT INTO signin_failures (at, ip, user_id) VALUES ($1, $2, $3);

-- name: PruneSigninFailures
DELETE FROM signin_failures WHERE at < $1;
