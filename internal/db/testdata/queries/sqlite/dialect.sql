-- name: DialectName
SELECT 'sqlite';

-- name: TxTime
SELECT 'SQLite: one read transaction';
