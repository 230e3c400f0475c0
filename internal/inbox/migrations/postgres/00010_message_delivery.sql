-- +goose Up
-- What the conversation view shows of a message's delivery and attachments,
-- on the message row itself: the view reads a conversation's messages by
-- one index range, where joining each row's outbox row and probing for its
-- attachments cost more than the rest of the read (pgbench, the view's three
-- statements in one pipeline: 1,932–2,059 → 2,581–3,055 per second without
-- the joins). inbox_outbox stays the send queue; this trigger mirrors each
-- change of a row there onto its message, whichever statement makes it.
-- Attachments never change after the message is stored, which counts them.
ALTER TABLE inbox_messages
    ADD COLUMN attachment_count INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN delivery_status TEXT NOT NULL DEFAULT '',
    ADD COLUMN delivery_attempts INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN delivery_error TEXT NOT NULL DEFAULT '',
    ADD COLUMN delivery_next_at TIMESTAMPTZ,
    ADD COLUMN delivered_at TIMESTAMPTZ;

-- +goose StatementBegin
CREATE FUNCTION inbox_outbox_mirror() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The guard skips a write when the message shows this state already.
    UPDATE inbox_messages SET delivery_status = NEW.status, delivery_attempts = NEW.attempts,
        delivery_error = NEW.last_error, delivery_next_at = NEW.next_attempt_at, delivered_at = NEW.sent_at
    WHERE id = NEW.message_id
        AND (delivery_status, delivery_attempts, delivery_error, delivery_next_at, delivered_at)
            IS DISTINCT FROM (NEW.status, NEW.attempts, NEW.last_error, NEW.next_attempt_at, NEW.sent_at);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER inbox_outbox_mirror AFTER INSERT OR UPDATE ON inbox_outbox
FOR EACH ROW EXECUTE FUNCTION inbox_outbox_mirror();

UPDATE inbox_messages m SET delivery_status = o.status, delivery_attempts = o.attempts, delivery_error = o.last_error,
    delivery_next_at = o.next_attempt_at, delivered_at = o.sent_at
FROM inbox_outbox o WHERE o.message_id = m.id;

UPDATE inbox_messages m SET attachment_count = a.n
FROM (SELECT message_id, count(*) AS n FROM inbox_attachments GROUP BY message_id) a WHERE a.message_id = m.id;

-- +goose Down
DROP TRIGGER inbox_outbox_mirror ON inbox_outbox;
DROP FUNCTION inbox_outbox_mirror();
ALTER TABLE inbox_messages DROP COLUMN attachment_count, DROP COLUMN delivery_status, DROP COLUMN delivery_attempts,
    DROP COLUMN delivery_error, DROP COLUMN delivery_next_at, DROP COLUMN delivered_at;
