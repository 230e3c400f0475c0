-- name: Slow
SELECT 1 FROM pg_sleep(0.5);
