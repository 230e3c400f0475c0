-- name: InsertWidget
INSERT INTO widgets (name, created_at, active) VALUES ($1, $2, $3) RETURNING id;

-- name: GetWidget
SELECT id, name, created_at, active FROM widgets WHERE id = $1;

-- name: SwappedParams
SELECT name FROM widgets WHERE active = $2 AND name = $1;

-- name: DialectName
SELECT 'common';

-- name: ListWidgets
SELECT id, name FROM widgets ORDER BY id;

-- name: Broken
SELECT id FROM no_such_table;

-- name: TxTime
SELECT CAST(transaction_timestamp() AS TEXT);

-- name: Slow
SELECT 1;
