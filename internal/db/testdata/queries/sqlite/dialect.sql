-- name: DialectName
SELECT 'sqlite';
