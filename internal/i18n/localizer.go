package i18n

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
)

// Localizer renders messages and values for one locale. It is safe for
// concurrent use. Methods on a nil *Localizer behave like the
// English shell localizer, so a missing middleware cannot cause a panic.
type Localizer struct {
	bundle *Bundle
	locale Locale
	num    numberSymbols

	// plain caches messages rendered without data, which is most labels.
	// An ID is defined once, never redefined, so entries cannot go stale;
	// misses are not cached (a later AddCatalog may supply them), and the
	// keys are catalog IDs, so the cache is bounded by the catalogs.
	plain sync.Map // id → string
}

// Lang returns the locale tag, e.g. "fa".
func (l *Localizer) Lang() string {
	if l == nil {
		return fallbackLocalizer().Lang()
	}
	return l.locale.Tag
}

// Dir returns the text direction, "ltr" or "rtl".
func (l *Localizer) Dir() string {
	if l == nil {
		return fallbackLocalizer().Dir()
	}
	return l.locale.Dir
}

// T renders message id. args are alternating key/value pairs of template
// data: T("home.welcome", "Name", name). Numeric values are formatted for the
// locale (grouping, Persian digits) before substitution. If the data has a
// "Count" key, it selects the plural form. A missing message renders as its
// ID (logged once); a missing translation falls back to English.
func (l *Localizer) T(id string, args ...any) string {
	if l == nil {
		return fallbackLocalizer().T(id, args...)
	}
	return l.localize(id, nil, args)
}

// N renders plural message id for count, which is also available to the
// template as {{.Count}}. Use it when the number has another name in the
// template: N("signin.throttled", m, "Minutes", m).
func (l *Localizer) N(id string, count int, args ...any) string {
	if l == nil {
		return fallbackLocalizer().N(id, count, args...)
	}
	return l.localize(id, count, args)
}

func (l *Localizer) localize(id string, count any, args []any) string {
	cacheable := len(args) == 0 && count == nil
	if cacheable {
		if s, ok := l.plain.Load(id); ok {
			return s.(string)
		}
	}
	data := make(map[string]any, len(args)/2+1)
	for i := 0; i+1 < len(args); i += 2 {
		key, ok := args[i].(string)
		if !ok {
			key = fmt.Sprint(args[i])
		}
		if key == "Count" && count == nil {
			count = args[i+1]
		}
		data[key] = l.templateValue(args[i+1])
	}
	if count != nil {
		data["Count"] = l.templateValue(count)
	}
	if l.bundle == nil {
		return id
	}

	b := l.bundle
	st := b.state.Load()
	var pluralCount any
	if st.plural[id] {
		// Only plural messages get a count: go-i18n would otherwise look
		// for a "one" form in a plain string and report an error.
		pluralCount = pluralOperand(count)
	}
	msg, err := st.gl[l.locale.Tag].Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: pluralCount})

	if err != nil {
		var nf *goi18n.MessageNotFoundErr
		switch {
		case msg == "":
			b.logOnce(l.locale.Tag, id, "i18n: message not found", err)
			return id
		case errors.As(err, &nf):
			b.logOnce(l.locale.Tag, id, "i18n: translation missing, using English", err)
		default:
			b.logOnce(l.locale.Tag, id, "i18n: rendering message", err)
		}
	}
	if cacheable {
		l.plain.Store(id, msg)
	}
	return msg
}

// templateValue formats numbers for the locale so that templates need no
// helpers: {{.Count}} shows "۳" in Persian and "1 234" in French.
func (l *Localizer) templateValue(v any) any {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return l.Number(v)
	}
	return v
}

// pluralOperand converts a count to what go-i18n accepts: integers, or
// decimal strings (it rejects floats to avoid binary rounding surprises).
func pluralOperand(v any) any {
	switch n := v.(type) {
	case int:
		return int64(n)
	case int8:
		return int64(n)
	case int16:
		return int64(n)
	case int32:
		return int64(n)
	case int64:
		return n
	case uint:
		return strconv.FormatUint(uint64(n), 10)
	case uint8:
		return int64(n)
	case uint16:
		return int64(n)
	case uint32:
		return int64(n)
	case uint64:
		return strconv.FormatUint(n, 10)
	case float32:
		return floatOperand(float64(n))
	case float64:
		return floatOperand(n)
	case string:
		if _, err := strconv.ParseFloat(n, 64); err == nil {
			return n
		}
	}
	return nil
}

func floatOperand(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

type ctxKey struct{}

// WithLocalizer returns a context carrying l (set by the locale middleware).
func WithLocalizer(ctx context.Context, l *Localizer) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// FromContext returns the context's localizer, or the English shell
// localizer when there is none; never nil. The fallback knows only the
// shell catalog, so handlers should run behind the locale middleware.
func FromContext(ctx context.Context) *Localizer {
	if ctx != nil {
		if l, ok := ctx.Value(ctxKey{}).(*Localizer); ok && l != nil {
			return l
		}
	}
	return fallbackLocalizer()
}
