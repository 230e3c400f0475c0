// Package i18n is Hearken's internationalisation layer: message catalogs
// (go-i18n, CLDR plural rules), locale metadata (native name, text
// direction), locale negotiation, number/currency/date formatting and
// language detection of free text.
//
// Six locales are supported: en, tr, fr, fi, ja and fa (Persian, right to
// left). The shell's catalog is embedded from locales/<lang>.toml; each
// capability registers its own catalog with [Bundle.AddCatalog]. Catalog
// completeness (same keys, plural forms and placeholders in every locale) is
// enforced in tests by the i18ntest package, so at run time a missing string
// is logged once and degrades to English or to the message ID, never a panic.
package i18n

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.toml
var shellCatalog embed.FS

// Locale describes one supported locale.
type Locale struct {
	Tag  string // BCP 47 base language: "en", "fa", …
	Name string // native name, for the language picker: "Türkçe", "فارسی"
	Dir  string // "ltr" or "rtl", for <html dir=…>
}

// supported is ordered as the language picker shows it.
var supported = []Locale{
	{Tag: "en", Name: "English", Dir: "ltr"},
	{Tag: "tr", Name: "Türkçe", Dir: "ltr"},
	{Tag: "fr", Name: "Français", Dir: "ltr"},
	{Tag: "fi", Name: "Suomi", Dir: "ltr"},
	{Tag: "ja", Name: "日本語", Dir: "ltr"},
	{Tag: "fa", Name: "فارسی", Dir: "rtl"},
}

// matcher negotiates Accept-Language against the supported tags, in
// the order of supported (index i of a match is supported[i]).
var matcher = func() language.Matcher {
	tags := make([]language.Tag, len(supported))
	for i, l := range supported {
		tags[i] = language.MustParse(l.Tag)
	}
	return language.NewMatcher(tags)
}()

// Supported returns the supported locales in display order.
func Supported() []Locale {
	return append([]Locale(nil), supported...)
}

func localeOf(tag string) (Locale, bool) {
	for _, l := range supported {
		if l.Tag == tag {
			return l, true
		}
	}
	return Locale{}, false
}

// normalize maps a language setting such as "fr", "fr-CA" or "FA_ir" to a
// supported base tag, or "" when it is empty, malformed or unsupported.
func normalize(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return ""
	}
	tag, err := language.Parse(strings.ReplaceAll(s, "_", "-"))
	if err != nil {
		return ""
	}
	base, _ := tag.Base()
	if _, ok := localeOf(base.String()); ok {
		return base.String()
	}
	return ""
}

// Bundle holds the message catalogs of all locales. It is safe for
// concurrent use. Catalogs are normally added at start-up: each AddCatalog
// builds a new immutable snapshot and swaps it in, so rendering takes no
// lock.
type Bundle struct {
	defaultLang string

	mu    sync.Mutex // serialises AddCatalog
	state atomic.Pointer[catalogState]

	localizers map[string]*Localizer // one per supported locale, immutable

	logged      sync.Map // "lang\x00id" → struct{}: problems already logged
	loggedCount atomic.Int64
}

// catalogState is one immutable snapshot of every catalog added so far.
type catalogState struct {
	files  []catalogFile
	gl     map[string]*goi18n.Localizer
	plural map[string]bool   // message ID → has plural forms in some locale
	owner  map[string]string // message ID → catalog directory that defines it
}

// NewBundle returns a bundle with the shell catalog loaded. defaultLang
// ("" means "en") is the last resort of [Bundle.Match] and the locale used
// for unsupported language requests. Missing translations always fall back
// to English, the catalogs' source language.
func NewBundle(defaultLang string) (*Bundle, error) {
	if defaultLang == "" {
		defaultLang = "en"
	}
	def := normalize(defaultLang)
	if def == "" {
		return nil, fmt.Errorf("i18n: unsupported default language %q", defaultLang)
	}
	b := &Bundle{defaultLang: def, localizers: map[string]*Localizer{}}
	b.state.Store(&catalogState{owner: map[string]string{}})
	if err := b.AddCatalog(shellCatalog, "locales"); err != nil {
		return nil, err
	}
	for _, l := range supported {
		b.localizers[l.Tag] = &Localizer{bundle: b, locale: l, num: numberSymbolsFor(l.Tag)}
	}
	return b, nil
}

// Supported returns the supported locales in display order (a convenience
// for templates that only hold the bundle).
func (b *Bundle) Supported() []Locale { return Supported() }

// catalogFile is one parsed locales/<lang>.toml file.
type catalogFile struct {
	lang     string
	path     string
	messages []*goi18n.Message
}

// parseCatalog reads dir/*.toml from fsys. Every file must be named after a
// supported locale, so a typo ("fr_FR.toml", "pt.toml") fails loudly instead
// of silently never being used.
func parseCatalog(fsys fs.FS, dir string) ([]catalogFile, error) {
	paths, err := fs.Glob(fsys, path.Join(dir, "*.toml"))
	if err != nil {
		return nil, fmt.Errorf("i18n: listing %s: %w", dir, err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("i18n: no *.toml catalogs in %q", dir)
	}
	sort.Strings(paths)
	files := make([]catalogFile, 0, len(paths))
	for _, p := range paths {
		lang := strings.TrimSuffix(path.Base(p), ".toml")
		if _, ok := localeOf(lang); !ok {
			return nil, fmt.Errorf("i18n: %s: %q is not a supported locale", p, lang)
		}
		buf, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		msgs, err := goi18n.ParseMessageBytes(buf, toml.Unmarshal)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", p, err)
		}
		files = append(files, catalogFile{lang: lang, path: p, messages: msgs})
	}
	return files, nil
}

// AddCatalog registers dir/<lang>.toml from fsys (go-i18n TOML format; the
// file name is the locale). A message ID may be defined by one catalog only,
// so two capabilities cannot silently override each other's strings. The
// catalog is added whole or not at all.
func (b *Bundle) AddCatalog(fsys fs.FS, dir string) error {
	files, err := parseCatalog(fsys, dir)
	if err != nil {
		return err
	}
	source := dir
	if len(files) > 0 {
		source = path.Dir(files[0].path)
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	old := b.state.Load()
	var errs []error
	for _, f := range files {
		for _, m := range f.messages {
			if prev, ok := old.owner[m.ID]; ok {
				errs = append(errs, fmt.Errorf("i18n: %s: message %q already defined by %s", f.path, m.ID, prev))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}

	next := &catalogState{
		files:  append(slices.Clip(old.files), files...),
		gl:     map[string]*goi18n.Localizer{},
		plural: map[string]bool{},
		owner:  maps.Clone(old.owner),
	}
	gb := goi18n.NewBundle(language.English)
	for _, f := range next.files {
		if err := gb.AddMessages(language.Make(f.lang), f.messages...); err != nil {
			return fmt.Errorf("i18n: %s: %w", f.path, err)
		}
		for _, m := range f.messages {
			next.plural[m.ID] = next.plural[m.ID] || hasPluralForms(m)
		}
	}
	for _, f := range files {
		for _, m := range f.messages {
			next.owner[m.ID] = source
		}
	}
	for _, l := range supported {
		next.gl[l.Tag] = goi18n.NewLocalizer(gb, l.Tag)
	}
	b.state.Store(next)
	return nil
}

func hasPluralForms(m *goi18n.Message) bool {
	return m.Zero != "" || m.One != "" || m.Two != "" || m.Few != "" || m.Many != ""
}

// Match picks the locale for a request: the user's own setting if
// supported, else the best Accept-Language match, else the organisation
// default, else the bundle default. Malformed input is ignored.
func (b *Bundle) Match(userSetting, acceptLanguage, orgDefault string) string {
	if l := normalize(userSetting); l != "" {
		return l
	}
	if l := matchAcceptLanguage(acceptLanguage); l != "" {
		return l
	}
	if l := normalize(orgDefault); l != "" {
		return l
	}
	return b.defaultLang
}

func matchAcceptLanguage(header string) string {
	// Browsers send a few hundred bytes at most; cap parsing work on junk.
	if header == "" || len(header) > 1024 {
		return ""
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return ""
	}
	_, i, conf := matcher.Match(tags...)
	// Confidence No means "nothing matched, here is the default": fall
	// through to the org default instead (e.g. "pt", "ar", "*").
	if conf == language.No || i < 0 || i >= len(supported) {
		return ""
	}
	return supported[i].Tag
}

// Localizer returns the localizer for lang (any form accepted by Match's
// user setting); unsupported languages get the bundle default.
func (b *Bundle) Localizer(lang string) *Localizer {
	if l := normalize(lang); l != "" {
		return b.localizers[l]
	}
	return b.localizers[b.defaultLang]
}

// logOnce logs a catalog problem the first time it is seen, so a missing
// string in a hot template cannot flood the log. The record is capped so
// that message IDs built from input cannot grow it without bound.
func (b *Bundle) logOnce(lang, id, msg string, err error) {
	if b.loggedCount.Load() > 10000 {
		return
	}
	if _, loaded := b.logged.LoadOrStore(lang+"\x00"+id, struct{}{}); loaded {
		return
	}
	b.loggedCount.Add(1)
	slog.Warn(msg, "lang", lang, "id", id, "err", err)
}

var (
	defaultOnce      sync.Once
	defaultLocalizer *Localizer
)

// fallbackLocalizer is the English shell localizer used by FromContext and
// by methods called on a nil *Localizer.
func fallbackLocalizer() *Localizer {
	defaultOnce.Do(func() {
		b, err := NewBundle("en")
		if err != nil {
			// The embedded catalog is covered by tests; if it is ever
			// broken, still return something usable (IDs, formatted data).
			slog.Error("i18n: loading shell catalog", "err", err)
			defaultLocalizer = &Localizer{locale: supported[0], num: numberSymbolsFor("en")}
			return
		}
		defaultLocalizer = b.Localizer("en")
	})
	return defaultLocalizer
}
