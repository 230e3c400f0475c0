package people

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/textsearch"
)

// Tag is a label on profiles. Count is the number of live profiles carrying it
// (only filled by Tags).
type Tag struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color,omitempty"`
	Count int    `json:"count"`
}

// tagKey makes "Bénévole" and "benevole " the same tag.
func tagKey(name string) string { return textsearch.Fold(clean(name)) }

var tagColor = regexp.MustCompile(`^(#[0-9a-fA-F]{6}|[a-z]{1,20})?$`)

func validateTag(name, color string) (string, error) {
	name = clean(name)
	v := apperr.Invalid()
	if name == "" {
		v.Field("name", "people.error.required")
	} else if runeLen(name) > maxShortLen {
		v.Field("name", "people.error.too_long", "Max", maxShortLen)
	}
	if !tagColor.MatchString(color) {
		v.Field("color", "people.error.color")
	}
	return name, v.OrNil()
}

// CreateTag creates a tag; a tag with the same name (ignoring case and
// accents) is a conflict.
func (s *Service) CreateTag(ctx context.Context, name, color string) (Tag, error) {
	if err := requirePerm(ctx, permEdit); err != nil {
		return Tag{}, err
	}
	name, err := validateTag(name, color)
	if err != nil {
		return Tag{}, err
	}
	var t Tag
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if _, ok, err := s.tagByName(ctx, name); err != nil || ok {
			if ok {
				return apperr.Invalid().Field("name", "people.error.tag_exists")
			}
			return err
		}
		if err := s.q.QueryRowW(ctx, "InsertTag", name, tagKey(name), color, s.now()).Scan(&t.ID); err != nil {
			return err
		}
		t.Name, t.Color = name, color
		return s.audit(ctx, "tag.create", "tag", t.ID, t)
	})
	return t, err
}

// UpdateTag renames or recolors a tag.
func (s *Service) UpdateTag(ctx context.Context, id int64, name, color string) error {
	if err := requirePerm(ctx, permAdmin); err != nil {
		return err
	}
	name, err := validateTag(name, color)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		old, err := s.tag(ctx, id)
		if err != nil {
			return err
		}
		if other, ok, err := s.tagByName(ctx, name); err != nil {
			return err
		} else if ok && other.ID != id {
			return apperr.Invalid().Field("name", "people.error.tag_exists")
		}
		if _, err := s.q.Exec(ctx, "UpdateTag", id, name, tagKey(name), color); err != nil {
			return err
		}
		return s.audit(ctx, "tag.update", "tag", id, change{old, Tag{ID: id, Name: name, Color: color}})
	})
}

// DeleteTag removes a tag from every profile and deletes it.
func (s *Service) DeleteTag(ctx context.Context, id int64) error {
	if err := requirePerm(ctx, permAdmin); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		old, err := s.tag(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "DeleteTag", id); err != nil {
			return err
		}
		return s.audit(ctx, "tag.delete", "tag", id, old)
	})
}

// Tags lists every tag with the number of profiles carrying it.
func (s *Service) Tags(ctx context.Context) ([]Tag, error) {
	if err := requirePerm(ctx, permView); err != nil {
		return nil, err
	}
	rows, err := s.q.Query(ctx, "TagsWithCounts")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Tag{}
	for rows.Next() {
		var t Tag
		if err := rows.Scan(&t.ID, &t.Name, &t.Color, &t.Count); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func (s *Service) tag(ctx context.Context, id int64) (Tag, error) {
	var t Tag
	err := s.q.QueryRow(ctx, "GetTag", id).Scan(&t.ID, &t.Name, &t.Color)
	if errors.Is(err, sql.ErrNoRows) {
		return t, apperr.NotFound("people.error.tag_missing")
	}
	return t, err
}

func (s *Service) tagByName(ctx context.Context, name string) (Tag, bool, error) {
	var t Tag
	err := s.q.QueryRow(ctx, "TagByKey", tagKey(name)).Scan(&t.ID, &t.Name, &t.Color)
	if errors.Is(err, sql.ErrNoRows) {
		return t, false, nil
	}
	return t, err == nil, err
}

// tagPerson assigns the tag named name, creating it if needed.
func (s *Service) tagPerson(ctx context.Context, personID int64, name string) error {
	name, err := validateTag(name, "")
	if err != nil {
		return err
	}
	t, ok, err := s.tagByName(ctx, name)
	if err != nil {
		return err
	}
	if !ok {
		if err := s.q.QueryRowW(ctx, "InsertTag", name, tagKey(name), "", s.now()).Scan(&t.ID); err != nil {
			return err
		}
	}
	_, err = s.q.Exec(ctx, "AssignTag", personID, t.ID, s.now())
	return err
}

// AssignTag puts the tag named name on a profile, creating the tag if needed.
func (s *Service) AssignTag(ctx context.Context, personID int64, name string) error {
	if err := requirePerm(ctx, permEdit); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.livePerson(ctx, personID); err != nil {
			return err
		}
		if err := s.tagPerson(ctx, personID, name); err != nil {
			return err
		}
		return s.audit(ctx, "person.tag.add", "person", personID, map[string]string{"tag": name})
	})
}

// RemoveTag takes a tag off a profile.
func (s *Service) RemoveTag(ctx context.Context, personID, tagID int64) error {
	if err := requirePerm(ctx, permEdit); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.tag(ctx, tagID)
		if err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "UnassignTag", personID, tagID); err != nil {
			return err
		}
		return s.audit(ctx, "person.tag.remove", "person", personID, map[string]string{"tag": t.Name})
	})
}

func (s *Service) tagsOf(ctx context.Context, personID int64) ([]Tag, error) {
	rows, err := s.q.Query(ctx, "TagsOf", personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Tag{}
	for rows.Next() {
		var t Tag
		if err := rows.Scan(&t.ID, &t.Name, &t.Color); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// --- custom fields ---

// Custom field types.
const (
	FieldText   = "text"
	FieldNumber = "number"
	FieldDate   = "date"
	FieldChoice = "choice"
)

// CustomField is an admin-defined field on every profile.
type CustomField struct {
	ID       int64      `json:"id"`
	Key      string     `json:"key"`
	Label    string     `json:"label"`
	Type     string     `json:"type"`
	Options  []string   `json:"options,omitempty"`
	Position int        `json:"position"`
	Archived *time.Time `json:"archived_at,omitempty"`
}

// CustomFieldInput defines a custom field. Key is the stable machine name
// ("tshirt_size"); Options are the choices of a choice field.
type CustomFieldInput struct {
	Key      string   `json:"key"`
	Label    string   `json:"label"`
	Type     string   `json:"type"`
	Options  []string `json:"options"`
	Position int      `json:"position"`
}

// CustomValue is one profile's value of a custom field, in its canonical text
// form (numbers as Go formats them, dates as YYYY-MM-DD).
type CustomValue struct {
	FieldID int64  `json:"field_id"`
	Key     string `json:"key"`
	Label   string `json:"label"`
	Type    string `json:"type"`
	Value   string `json:"value"`
}

var fieldKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

func validateCustomField(in *CustomFieldInput, create bool) error {
	v := apperr.Invalid()
	in.Label = clean(in.Label)
	if create && !fieldKey.MatchString(in.Key) {
		v.Field("key", "people.error.field_key")
	}
	if in.Label == "" {
		v.Field("label", "people.error.required")
	} else if runeLen(in.Label) > maxShortLen {
		v.Field("label", "people.error.too_long", "Max", maxShortLen)
	}
	switch in.Type {
	case FieldText, FieldNumber, FieldDate:
		in.Options = nil
	case FieldChoice:
		seen := map[string]bool{}
		var opts []string
		for _, o := range in.Options {
			o = clean(o)
			if o != "" && !seen[o] {
				seen[o] = true
				opts = append(opts, o)
			}
		}
		in.Options = opts
		if len(opts) == 0 {
			v.Field("options", "people.error.field_options")
		}
	default:
		v.Field("type", "people.error.field_type")
	}
	return v.OrNil()
}

// CreateCustomField defines a new custom field.
func (s *Service) CreateCustomField(ctx context.Context, in CustomFieldInput) (CustomField, error) {
	if err := requirePerm(ctx, permAdmin); err != nil {
		return CustomField{}, err
	}
	if err := validateCustomField(&in, true); err != nil {
		return CustomField{}, err
	}
	var f CustomField
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.customField(ctx, in.Key); err == nil {
			return apperr.Invalid().Field("key", "people.error.field_exists")
		}
		opts, _ := json.Marshal(nonNil(in.Options))
		var id int64
		if err := s.q.QueryRowW(ctx, "InsertCustomField", in.Key, in.Label, in.Type, string(opts), in.Position,
			s.now()).Scan(&id); err != nil {
			return err
		}
		f = CustomField{ID: id, Key: in.Key, Label: in.Label, Type: in.Type, Options: in.Options, Position: in.Position}
		return s.audit(ctx, "custom_field.create", "custom_field", id, f)
	})
	return f, err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// UpdateCustomField changes a field's label, options and position (its key and
// type stay: stored values depend on them).
func (s *Service) UpdateCustomField(ctx context.Context, key string, in CustomFieldInput) (CustomField, error) {
	if err := requirePerm(ctx, permAdmin); err != nil {
		return CustomField{}, err
	}
	var f CustomField
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		old, err := s.customField(ctx, key)
		if err != nil {
			return err
		}
		in.Key, in.Type = old.Key, old.Type
		if err := validateCustomField(&in, false); err != nil {
			return err
		}
		opts, _ := json.Marshal(nonNil(in.Options))
		if _, err := s.q.Exec(ctx, "UpdateCustomField", old.ID, in.Label, string(opts), in.Position); err != nil {
			return err
		}
		f = CustomField{ID: old.ID, Key: old.Key, Label: in.Label, Type: old.Type, Options: in.Options, Position: in.Position}
		return s.audit(ctx, "custom_field.update", "custom_field", old.ID, change{old, f})
	})
	return f, err
}

// ArchiveCustomField hides a field from forms; its values stay.
func (s *Service) ArchiveCustomField(ctx context.Context, key string) error {
	if err := requirePerm(ctx, permAdmin); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		f, err := s.customField(ctx, key)
		if err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "ArchiveCustomField", f.ID, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, "custom_field.archive", "custom_field", f.ID, nil)
	})
}

func scanCustomField(r scanner) (CustomField, error) {
	var (
		f        CustomField
		opts     []byte
		archived sql.NullTime
	)
	if err := r.Scan(&f.ID, &f.Key, &f.Label, &f.Type, &opts, &f.Position, &archived); err != nil {
		return f, err
	}
	_ = json.Unmarshal(opts, &f.Options)
	if archived.Valid {
		t := archived.Time.UTC()
		f.Archived = &t
	}
	return f, nil
}

func (s *Service) customField(ctx context.Context, key string) (CustomField, error) {
	f, err := scanCustomField(s.q.QueryRow(ctx, "CustomFieldByKey", key))
	if errors.Is(err, sql.ErrNoRows) {
		return f, apperr.NotFound("people.error.field_missing")
	}
	return f, err
}

// CustomFields lists the fields in form order.
func (s *Service) CustomFields(ctx context.Context, includeArchived bool) ([]CustomField, error) {
	rows, err := s.q.Query(ctx, "CustomFields", includeArchived)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CustomField{}
	for rows.Next() {
		f, err := scanCustomField(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// canonicalValue validates raw against the field's type and returns the text
// to store and, for numbers and dates, the sortable number.
func canonicalValue(f CustomField, raw string) (string, any, bool) {
	raw = strings.TrimSpace(raw)
	switch f.Type {
	case FieldText:
		return raw, nil, runeLen(raw) <= maxTextLen
	case FieldNumber:
		t := textsearch.Normalize(raw) // digits of any script
		t = strings.ReplaceAll(t, " ", "")
		if strings.Count(t, ",") == 1 && !strings.Contains(t, ".") {
			t = strings.Replace(t, ",", ".", 1) // decimal comma (fr, fi, tr)
		}
		n, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return "", nil, false
		}
		return strconv.FormatFloat(n, 'f', -1, 64), n, true
	case FieldDate:
		d, err := ParseDate(textsearch.Normalize(raw))
		if err != nil {
			return "", nil, false
		}
		return d.String(), nil, true
	case FieldChoice:
		for _, o := range f.Options {
			if o == raw || tagKey(o) == tagKey(raw) {
				return o, nil, true
			}
		}
	}
	return "", nil, false
}

// SetCustomValue sets a profile's value of the field key; an empty value
// clears it.
func (s *Service) SetCustomValue(ctx context.Context, personID int64, key, value string) error {
	if err := requirePerm(ctx, permEdit); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.livePerson(ctx, personID); err != nil {
			return err
		}
		f, err := s.customField(ctx, key)
		if err != nil {
			return err
		}
		if err := s.setCustomValue(ctx, personID, f, value); err != nil {
			return err
		}
		return s.audit(ctx, "person.custom_value", "person", personID, map[string]string{"field": key, "value": value})
	})
}

func (s *Service) setCustomValue(ctx context.Context, personID int64, f CustomField, value string) error {
	if strings.TrimSpace(value) == "" {
		_, err := s.q.Exec(ctx, "DeleteCustomValue", personID, f.ID)
		return err
	}
	v, num, ok := canonicalValue(f, value)
	if !ok {
		return apperr.Invalid().Field("custom."+f.Key, "people.error.custom_"+f.Type, "Label", f.Label)
	}
	_, err := s.q.Exec(ctx, "UpsertCustomValue", personID, f.ID, v, num, s.now())
	return err
}

func (s *Service) customValues(ctx context.Context, personID int64) ([]CustomValue, error) {
	rows, err := s.q.Query(ctx, "CustomValuesOf", personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CustomValue{}
	for rows.Next() {
		var v CustomValue
		if err := rows.Scan(&v.FieldID, &v.Key, &v.Label, &v.Type, &v.Value); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
