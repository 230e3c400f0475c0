-- +goose Up
-- Prefix indexes for the 3- and 4-character prefixes that search as you type
-- asks for most (the shortest prefix textsearch expands is 3 characters):
-- FTS5 then reads one prefix entry instead of merging the doclists of every
-- term that starts with "meh" or "0532" (tens of thousands of phone numbers
-- in a million profiles). Rebuilt from the stored bodies: same rows, same
-- tokenizer.
CREATE VIRTUAL TABLE people_search_new USING fts5 (body, tokenize = 'unicode61 remove_diacritics 0', prefix = '3 4');
INSERT INTO people_search_new (rowid, body) SELECT rowid, body FROM people_search ORDER BY rowid;
DROP TABLE people_search;
ALTER TABLE people_search_new RENAME TO people_search;
-- One segment instead of the many a row-by-row rebuild leaves.
INSERT INTO people_search (people_search) VALUES ('optimize');

-- +goose Down
CREATE VIRTUAL TABLE people_search_old USING fts5 (body, tokenize = 'unicode61 remove_diacritics 0');
INSERT INTO people_search_old (rowid, body) SELECT rowid, body FROM people_search ORDER BY rowid;
DROP TABLE people_search;
ALTER TABLE people_search_old RENAME TO people_search;
