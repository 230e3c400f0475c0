package people

import (
	"bytes"
	"context"
	"encoding/json"
)

// ErasedValue replaces every personal value in the audit entries of an erased
// person.
const ErasedValue = "[erased]"

// auditKeepKeys name values that are vocabulary, not personal data (a
// channel, a role, a consent status): kept so an erased person's history
// still says what kind of change was made.
var auditKeepKeys = map[string]bool{
	"kind": true, "channel": true, "purpose": true, "status": true, "source": true,
	"role": true, "type": true, "field": true, "confidential": true, "pinned": true,
}

// scrubAudit replaces the values in the audit entries about person id with
// ErasedValue, keeping who, when, which action and the shape of the change
// (field names, ids, numbers, flags). It runs in the erasure's transaction.
func (s *Service) scrubAudit(ctx context.Context, id int64) error {
	rows, err := s.q.Query(ctx, "AuditChangesOf", id)
	if err != nil {
		return err
	}
	type entry struct {
		id      int64
		changes string
	}
	var entries []entry
	for rows.Next() {
		var e entry
		var raw []byte
		if err := rows.Scan(&e.id, &raw); err != nil {
			rows.Close()
			return err
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber() // ids stay exact
		if dec.Decode(&v) != nil {
			v = ErasedValue // not JSON: nothing of it can be kept
		}
		b, _ := json.Marshal(scrubValue("", v))
		if string(b) != string(raw) {
			e.changes = string(b)
			entries = append(entries, e)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, e := range entries {
		if _, err := s.q.Exec(ctx, "ScrubAuditChanges", e.id, e.changes); err != nil {
			return err
		}
	}
	return nil
}

// scrubValue keeps a JSON value's structure, numbers and booleans, and the
// strings under auditKeepKeys; every other string becomes ErasedValue.
func scrubValue(key string, v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = scrubValue(k, e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = scrubValue(key, e)
		}
		return x
	case string:
		if x == "" || auditKeepKeys[key] {
			return x
		}
		return ErasedValue
	}
	return v
}
