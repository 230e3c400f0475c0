-- +goose Up
-- The words of the message index, in order, one row per occurrence: search
-- reads the first few words a typed prefix stands for (see prefixWords) and
-- matches them as whole words, which FTS5 iterates newest first without
-- merging every matching doclist as a prefix query does.
CREATE VIRTUAL TABLE inbox_message_search_vocab USING fts5vocab (inbox_message_search, instance);

-- +goose Down
DROP TABLE inbox_message_search_vocab;
