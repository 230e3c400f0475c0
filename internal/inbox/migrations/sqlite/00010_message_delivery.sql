-- +goose Up
-- What the conversation view shows of a message's delivery and attachments,
-- on the message row itself: the view reads a conversation's messages by
-- one index range, where joining each row's outbox row and probing for its
-- attachments cost more than the rest of the read. inbox_outbox stays the
-- send queue; these triggers mirror each change of a row there onto its
-- message, whichever statement makes it. Attachments never change after the
-- message is stored, which counts them.
ALTER TABLE inbox_messages ADD COLUMN attachment_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbox_messages ADD COLUMN delivery_status TEXT NOT NULL DEFAULT '';
ALTER TABLE inbox_messages ADD COLUMN delivery_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbox_messages ADD COLUMN delivery_error TEXT NOT NULL DEFAULT '';
ALTER TABLE inbox_messages ADD COLUMN delivery_next_at TIMESTAMP;
ALTER TABLE inbox_messages ADD COLUMN delivered_at TIMESTAMP;

-- +goose StatementBegin
CREATE TRIGGER inbox_outbox_mirror_insert AFTER INSERT ON inbox_outbox FOR EACH ROW
BEGIN
    UPDATE inbox_messages SET delivery_status = NEW.status, delivery_attempts = NEW.attempts,
        delivery_error = NEW.last_error, delivery_next_at = NEW.next_attempt_at, delivered_at = NEW.sent_at
    WHERE id = NEW.message_id AND NOT (delivery_status IS NEW.status AND delivery_attempts IS NEW.attempts
        AND delivery_error IS NEW.last_error AND delivery_next_at IS NEW.next_attempt_at AND delivered_at IS NEW.sent_at);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER inbox_outbox_mirror_update AFTER UPDATE ON inbox_outbox FOR EACH ROW
BEGIN
    UPDATE inbox_messages SET delivery_status = NEW.status, delivery_attempts = NEW.attempts,
        delivery_error = NEW.last_error, delivery_next_at = NEW.next_attempt_at, delivered_at = NEW.sent_at
    WHERE id = NEW.message_id AND NOT (delivery_status IS NEW.status AND delivery_attempts IS NEW.attempts
        AND delivery_error IS NEW.last_error AND delivery_next_at IS NEW.next_attempt_at AND delivered_at IS NEW.sent_at);
END;
-- +goose StatementEnd

UPDATE inbox_messages SET delivery_status = o.status, delivery_attempts = o.attempts, delivery_error = o.last_error,
    delivery_next_at = o.next_attempt_at, delivered_at = o.sent_at
FROM inbox_outbox o WHERE o.message_id = inbox_messages.id;

UPDATE inbox_messages SET attachment_count = a.n
FROM (SELECT message_id, count(*) AS n FROM inbox_attachments GROUP BY message_id) a WHERE a.message_id = inbox_messages.id;

-- +goose Down
DROP TRIGGER inbox_outbox_mirror_insert;
DROP TRIGGER inbox_outbox_mirror_update;
ALTER TABLE inbox_messages DROP COLUMN attachment_count;
ALTER TABLE inbox_messages DROP COLUMN delivery_status;
ALTER TABLE inbox_messages DROP COLUMN delivery_attempts;
ALTER TABLE inbox_messages DROP COLUMN delivery_error;
ALTER TABLE inbox_messages DROP COLUMN delivery_next_at;
ALTER TABLE inbox_messages DROP COLUMN delivered_at;
