-- +goose Up
-- Which demo chunks are done, so an interrupted "hearken demo" resumes.
CREATE TABLE demo_progress (
    step TEXT NOT NULL,
    size TEXT NOT NULL,
    done INTEGER NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (step, size)
);
-- +goose Down
DROP TABLE demo_progress;
