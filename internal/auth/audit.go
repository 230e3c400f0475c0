package auth

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
)

// Auditor records audit entries; *Service implements it. Capability services
// depend on this interface rather than on the whole auth service.
type Auditor interface {
	Audit(ctx context.Context, action, entityType string, entityID int64, changes any) error
}

var _ Auditor = (*Service)(nil)

// AuditEntry is one row of the audit log.
type AuditEntry struct {
	ID          int64           `json:"id"`
	At          time.Time       `json:"at"`
	ActorUserID *int64          `json:"actor_user_id"`
	ActorLabel  string          `json:"actor_label"`
	Action      string          `json:"action"`
	EntityType  string          `json:"entity_type"`
	EntityID    int64           `json:"entity_id"`
	Changes     json.RawMessage `json:"changes"` // usually {"field": [before, after]}; null when none
	IP          string          `json:"ip"`
	RequestID   string          `json:"request_id"`
}

// Audit records that the actor in ctx did action ("person.update") to an entity
// ("person", 42; entityID 0 when the action has no single entity). changes is
// marshalled to JSON, typically Diff's result; nil stores none. The entry is
// written with db.W(ctx), so inside d.InTx it commits or rolls back with the
// change it describes. Never pass secrets in changes: tag such fields audit:"-".
func (s *Service) Audit(ctx context.Context, action, entityType string, entityID int64, changes any) error {
	a, ok := ActorFrom(ctx)
	label := a.Label
	switch {
	case !ok:
		label = "unknown" // a bug in the caller, made visible rather than hidden
	case label == "" && a.Name != "":
		// The name as it was then: the entry stays readable if the user is renamed.
		label = a.Name
	case label == "":
		label = a.Email
	}
	var actorID any
	if a.UserID != 0 {
		actorID = a.UserID
	}
	var changesJSON any
	if changes != nil {
		b, err := json.Marshal(changes)
		if err != nil {
			return fmt.Errorf("audit %s: %w", action, err)
		}
		if string(b) != "null" {
			changesJSON = string(b)
		}
	}
	_, err := s.q.Exec(ctx, "InsertAudit", s.now(), actorID, label, action, entityType, entityID, changesJSON, a.IP, a.RequestID)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// AuditFilter selects audit entries. Zero fields do not filter. EntityID needs
// EntityType. Before is the cursor of the previous page's Next.
type AuditFilter struct {
	EntityType string
	EntityID   int64
	ActorID    int64
	Before     string
	Limit      int
}

// ListAudit returns audit entries newest first. It needs audit.view.
func (s *Service) ListAudit(ctx context.Context, f AuditFilter) (Page[AuditEntry], error) {
	if err := Require(ctx, PermAuditView); err != nil {
		return Page[AuditEntry]{}, err
	}
	if f.EntityID != 0 && f.EntityType == "" {
		return Page[AuditEntry]{}, apperr.Invalid().Field("entity_type", "validation.required")
	}
	before, err := decodeCursor(f.Before, firstAfter)
	if err != nil {
		return Page[AuditEntry]{}, err
	}
	limit := pageSize(f.Limit)
	var rows *sql.Rows
	switch {
	case f.EntityType != "" && f.ActorID != 0:
		rows, err = s.q.Query(ctx, "ListAuditByEntityAndActor", f.EntityType, f.EntityID, f.ActorID, before, limit+1)
	case f.EntityType != "" && f.EntityID != 0:
		rows, err = s.q.Query(ctx, "ListAuditByEntity", f.EntityType, f.EntityID, before, limit+1)
	case f.EntityType != "":
		rows, err = s.q.Query(ctx, "ListAuditByEntityType", f.EntityType, before, limit+1)
	case f.ActorID != 0:
		rows, err = s.q.Query(ctx, "ListAuditByActor", f.ActorID, before, limit+1)
	default:
		rows, err = s.q.Query(ctx, "ListAudit", before, limit+1)
	}
	if err != nil {
		return Page[AuditEntry]{}, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var (
			e       AuditEntry
			actor   sql.NullInt64
			changes sql.NullString
		)
		if err := rows.Scan(&e.ID, &e.At, &actor, &e.ActorLabel, &e.Action, &e.EntityType, &e.EntityID,
			&changes, &e.IP, &e.RequestID); err != nil {
			return Page[AuditEntry]{}, err
		}
		e.At = e.At.UTC()
		if actor.Valid {
			e.ActorUserID = &actor.Int64
		}
		if changes.Valid {
			e.Changes = json.RawMessage(changes.String)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return Page[AuditEntry]{}, err
	}
	return makePage(out, limit, func(e AuditEntry) int64 { return e.ID }), nil
}

// Diff returns the exported fields that differ between two values of the same
// struct type (or pointers to it), keyed by JSON name, as [before, after]. A nil
// before or after stands for the zero value, so Diff(nil, x) lists x's set fields
// for a creation. Fields tagged audit:"-" or json:"-" are skipped, as are
// unexported ones; embedded structs are flattened as encoding/json does. Times
// compare with Equal, pointers by what they point to.
func Diff(before, after any) map[string][2]any {
	out := map[string][2]any{}
	bv, av := deref(reflect.ValueOf(before)), deref(reflect.ValueOf(after))
	switch {
	case !bv.IsValid() && !av.IsValid():
		return out
	case !bv.IsValid():
		bv = reflect.New(av.Type()).Elem()
	case !av.IsValid():
		av = reflect.New(bv.Type()).Elem()
	}
	if bv.Type() != av.Type() {
		panic(fmt.Sprintf("auth.Diff: %s and %s differ", bv.Type(), av.Type()))
	}
	if bv.Kind() != reflect.Struct {
		if !equalValues(bv, av) {
			out["value"] = [2]any{bv.Interface(), av.Interface()}
		}
		return out
	}
	diffStruct(out, bv, av)
	return out
}

func deref(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

func diffStruct(out map[string][2]any, bv, av reflect.Value) {
	t := bv.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Tag.Get("audit") == "-" {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			diffStruct(out, bv.Field(i), av.Field(i))
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		x, y := bv.Field(i), av.Field(i)
		if !equalValues(x, y) {
			out[name] = [2]any{plain(x), plain(y)}
		}
	}
}

var timeType = reflect.TypeFor[time.Time]()

func equalValues(x, y reflect.Value) bool {
	if x.Kind() == reflect.Pointer {
		if x.IsNil() || y.IsNil() {
			return x.IsNil() == y.IsNil()
		}
		return equalValues(x.Elem(), y.Elem())
	}
	if x.Type() == timeType {
		return x.Interface().(time.Time).Equal(y.Interface().(time.Time))
	}
	return reflect.DeepEqual(x.Interface(), y.Interface())
}

// plain unwraps pointers so the JSON shows the value (or null), not an address.
func plain(v reflect.Value) any {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		return v.Elem().Interface()
	}
	return v.Interface()
}
