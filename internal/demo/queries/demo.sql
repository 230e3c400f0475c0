-- name: StepDone
SELECT done FROM demo_progress WHERE step = $1 AND size = $2;

-- name: RecordStep
INSERT INTO demo_progress (step, size, done, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (step, size) DO UPDATE SET done = excluded.done, updated_at = excluded.updated_at;

-- name: AnyDone
SELECT count(*) FROM demo_progress;
