package email

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/html"
)

// HTMLToText renders HTML as readable plain text: paragraphs and line breaks
// are kept, lists get "- " or "1. " markers, blockquotes become "> " quoted
// lines (so Gmail and Outlook quotes look like plain-text quotes), link
// targets follow their text in parentheses, scripts, styles, the head and
// display:none content (newsletter preheaders) are dropped.
//
// It uses the tokenizer rather than the HTML5 tree builder so that time and
// memory are linear in the input whatever the markup; a small element stack
// (with the implied end tags that matter in mail: p, li, td, tr, dt, dd and
// head) stands in for the tree.
func HTMLToText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	w := &textWriter{}
	t := &htmlText{w: w}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			t.popTo(0)
			return finishText(w.b.String())
		case html.TextToken:
			if t.skipRaw == "" && w.hidden == 0 {
				w.text(string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			var attrs map[string]string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "href", "alt", "style", "hidden":
					if attrs == nil {
						attrs = map[string]string{}
					}
					attrs[string(k)] = string(v)
				}
			}
			t.start(string(name), attrs, tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			name, _ := z.TagName()
			t.end(string(name))
		}
	}
}

type htmlElem struct {
	name      string
	quote     bool
	pre       bool
	hidden    bool
	list      bool
	ordered   bool
	counter   int
	href      string
	textStart int // output length when a link started
	block     int // newlines to ensure when the element closes
}

type htmlText struct {
	w       *textWriter
	stack   []htmlElem
	skipRaw string
	lists   int
	heads   int // open <head> elements
}

const (
	maxHTMLStack = 512 // deeper elements are treated as transparent
	maxHTMLScan  = 32  // how far an end tag looks for its start tag
)

var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true,
	"img": true, "input": true, "link": true, "meta": true, "param": true,
	"source": true, "track": true, "wbr": true,
}

// rawSkip elements hold text that is never shown; the tokenizer returns their
// content as raw text up to the end tag.
var rawSkip = map[string]bool{
	"script": true, "style": true, "title": true, "iframe": true, "noembed": true,
	"noframes": true, "noscript": true, "template": true,
}

var paragraphElements = map[string]bool{
	"p": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"blockquote": true, "pre": true, "table": true, "dl": true, "figure": true,
}

var lineElements = map[string]bool{
	"div": true, "tr": true, "dt": true, "dd": true, "section": true, "article": true,
	"header": true, "footer": true, "address": true, "center": true, "main": true,
	"nav": true, "aside": true, "form": true, "fieldset": true, "details": true,
	"summary": true, "figcaption": true, "caption": true, "body": true, "html": true,
	"option": true, "legend": true, "textarea": true,
}

var headElements = map[string]bool{
	"title": true, "meta": true, "link": true, "style": true, "script": true,
	"base": true, "noscript": true, "template": true,
}

func isHidden(attrs map[string]string) bool {
	if _, ok := attrs["hidden"]; ok {
		return true
	}
	st := strings.ToLower(strings.Join(strings.Fields(attrs["style"]), ""))
	return strings.Contains(st, "display:none") || strings.Contains(st, "mso-hide:all")
}

func (t *htmlText) start(name string, attrs map[string]string, selfClosing bool) {
	w := t.w
	if rawSkip[name] && !selfClosing {
		t.skipRaw = name
	}
	// A head never explicitly closed ends at the first body content.
	if t.heads > 0 && name != "head" && !headElements[name] {
		if i := t.find("head", len(t.stack)); i >= 0 {
			t.popTo(i)
		}
	}
	// Implied end tags.
	switch name {
	case "li":
		t.closeUpTo("li", "ul", "ol")
	case "td", "th":
		t.closeUpTo("td", "tr", "table")
		t.closeUpTo("th", "tr", "table")
	case "tr":
		t.closeUpTo("tr", "table", "")
	case "dt", "dd":
		t.closeUpTo("dt", "dl", "")
		t.closeUpTo("dd", "dl", "")
	}
	if paragraphElements[name] || lineElements[name] || name == "ul" || name == "ol" || name == "li" {
		if n := len(t.stack); n > 0 && t.stack[n-1].name == "p" {
			t.popTo(n - 1)
		}
	}

	switch name {
	case "br":
		w.br()
		return
	case "hr":
		w.block(1)
		w.text("----")
		w.block(1)
		return
	case "img":
		if alt := strings.TrimSpace(attrs["alt"]); alt != "" && w.hidden == 0 {
			w.text(" " + alt + " ")
		}
		return
	}
	if voidElements[name] || selfClosing {
		if paragraphElements[name] {
			w.block(2)
		} else if lineElements[name] {
			w.block(1)
		}
		return
	}
	if len(t.stack) >= maxHTMLStack {
		return
	}
	e := htmlElem{name: name}
	switch {
	case paragraphElements[name]:
		w.block(2)
		e.block = 2
	case lineElements[name]:
		w.block(1)
		e.block = 1
	case name == "ul" || name == "ol":
		e.list, e.ordered = true, name == "ol"
		if t.lists > 0 {
			w.block(1)
			e.block = 1
		} else {
			w.block(2)
			e.block = 2
		}
		t.lists++
	case name == "li":
		w.block(1)
		e.block = 1
		marker := "- "
		for i := len(t.stack) - 1; i >= 0 && i >= len(t.stack)-maxHTMLScan; i-- {
			if t.stack[i].list {
				if t.stack[i].ordered {
					t.stack[i].counter++
					marker = strconv.Itoa(t.stack[i].counter) + ". "
				}
				break
			}
		}
		w.marker(strings.Repeat("  ", max(t.lists-1, 0)) + marker)
	case name == "td" || name == "th":
		w.pendingSpace = true
	case name == "a":
		e.href = attrs["href"]
		e.textStart = w.b.Len()
	}
	if name == "blockquote" {
		e.quote = true
		w.quote++
	}
	if name == "pre" || name == "xmp" || name == "plaintext" || name == "textarea" {
		e.pre = true
		w.pre++
	}
	if name == "head" {
		t.heads++
	}
	if name == "head" || isHidden(attrs) {
		e.hidden = true
		w.hidden++
	}
	t.stack = append(t.stack, e)
}

func (t *htmlText) end(name string) {
	if name == t.skipRaw {
		t.skipRaw = ""
	}
	if i := t.find(name, maxHTMLScan); i >= 0 {
		t.popTo(i)
		return
	}
	// Unmatched end tags that browsers still act on.
	switch name {
	case "p":
		t.w.block(2)
	case "br":
		t.w.br()
	}
}

// find returns the stack index of the nearest open element called name,
// looking at most limit entries down, or -1.
func (t *htmlText) find(name string, limit int) int {
	for i := len(t.stack) - 1; i >= 0 && i >= len(t.stack)-limit; i-- {
		if t.stack[i].name == name {
			return i
		}
	}
	return -1
}

// closeUpTo closes the nearest open name unless a stop element comes first.
func (t *htmlText) closeUpTo(name, stop1, stop2 string) {
	for i := len(t.stack) - 1; i >= 0 && i >= len(t.stack)-8; i-- {
		switch t.stack[i].name {
		case name:
			t.popTo(i)
			return
		case stop1, stop2:
			return
		}
	}
}

// popTo closes the elements at stack index i and above, innermost first.
func (t *htmlText) popTo(i int) {
	w := t.w
	for len(t.stack) > i {
		e := t.stack[len(t.stack)-1]
		t.stack = t.stack[:len(t.stack)-1]
		if e.name == "a" && w.hidden == 0 {
			t.linkTarget(e)
		}
		if e.quote {
			w.block(2)
			w.quote--
		}
		if e.pre {
			w.pre--
		}
		if e.hidden {
			w.hidden--
		}
		if e.list {
			t.lists--
		}
		if e.name == "head" {
			t.heads--
		}
		if e.block > 0 {
			w.block(e.block)
		}
	}
}

// linkTarget appends " (url)" after a link whose text does not already show
// where it goes.
func (t *htmlText) linkTarget(e htmlElem) {
	href := strings.TrimSpace(e.href)
	u, err := url.Parse(href)
	if err != nil || href == "" {
		return
	}
	shown := href
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "mailto":
		shown = u.Opaque
		if shown == "" {
			shown = strings.TrimPrefix(href, u.Scheme+":")
		}
	default:
		return
	}
	if e.textStart > t.w.b.Len() {
		return
	}
	text := strings.ToLower(t.w.b.String()[e.textStart:])
	bare := strings.ToLower(strings.TrimRight(shown, "/"))
	bare = strings.TrimPrefix(strings.TrimPrefix(bare, "https://"), "http://")
	if strings.TrimSpace(text) == "" || strings.Contains(text, bare) {
		return
	}
	t.w.text(" (" + shown + ")")
}

// textWriter accumulates rendered text, collapsing whitespace outside <pre>,
// limiting blank lines to one and prefixing quoted lines. Line breaks are
// kept pending until content follows, so that a blank line between quote
// levels takes the shallower prefix and trailing breaks cost nothing.
type textWriter struct {
	b            strings.Builder
	pendingNL    int  // line breaks owed before the next content
	afterMarker  bool // a list marker was just written: no space may follow
	pendingSpace bool
	quote        int // current blockquote depth
	lastQuote    int // blockquote depth of the last content line
	pre          int
	hidden       int
}

func (w *textWriter) atLineStart() bool {
	return w.b.Len() == 0 || w.pendingNL > 0 || w.afterMarker
}

// beginContent writes the owed line breaks and the quote prefix when the
// next content starts a line.
func (w *textWriter) beginContent() {
	if w.afterMarker || (w.b.Len() > 0 && w.pendingNL == 0) {
		return
	}
	for i := 0; i < w.pendingNL; i++ {
		if d := min(w.lastQuote, w.quote); i > 0 && d > 0 {
			w.b.WriteString(strings.TrimRight(strings.Repeat("> ", d), " "))
		}
		w.b.WriteByte('\n')
	}
	w.pendingNL = 0
	if w.quote > 0 {
		w.b.WriteString(strings.Repeat("> ", w.quote))
	}
	w.lastQuote = w.quote
}

func (w *textWriter) writeRune(r rune) {
	w.beginContent()
	w.afterMarker = false
	w.b.WriteRune(r)
}

func (w *textWriter) newline() {
	w.pendingNL++
	w.afterMarker = false
	w.pendingSpace = false
}

// block ensures a line break (n=1) or a blank line (n=2) before what
// follows.
func (w *textWriter) block(n int) {
	if w.b.Len() == 0 || w.hidden > 0 {
		return
	}
	for w.pendingNL < n {
		w.newline()
	}
}

func (w *textWriter) br() {
	if w.hidden > 0 {
		return
	}
	if w.pendingNL < 2 {
		w.newline()
	}
}

// marker writes a list marker (with its indentation) verbatim.
func (w *textWriter) marker(m string) {
	if w.hidden > 0 {
		return
	}
	w.beginContent()
	w.b.WriteString(m)
	w.pendingSpace = false
	w.afterMarker = true
}

func (w *textWriter) text(s string) {
	if w.hidden > 0 {
		return
	}
	for _, r := range s {
		switch r {
		case '\u200B', '\u034F', '\u00AD', '\uFEFF', '\u2060':
			continue // invisible filler used in newsletter preheaders
		}
		if w.pre > 0 {
			switch r {
			case '\r':
			case '\n':
				w.newline()
			default:
				w.writeRune(r)
			}
			continue
		}
		if unicode.IsSpace(r) || r == '\u00A0' {
			w.pendingSpace = true
			continue
		}
		if w.pendingSpace && !w.atLineStart() {
			w.b.WriteByte(' ')
		}
		w.pendingSpace = false
		w.writeRune(r)
	}
}

// unflow decodes format=flowed text (RFC 3676), as sent by Thunderbird and
// Apple Mail: soft-broken lines are joined into paragraphs, space-stuffing is
// removed and quote depth is rendered as "> " prefixes.
func unflow(s string, delsp bool) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	var out, para strings.Builder
	depth, inPara := 0, false
	emit := func() {
		if depth > 0 {
			prefix := strings.Repeat("> ", depth)
			if para.Len() == 0 {
				prefix = strings.TrimRight(prefix, " ")
			}
			out.WriteString(prefix)
		}
		out.WriteString(para.String())
		out.WriteByte('\n')
		para.Reset()
		inPara = false
	}
	for _, line := range lines {
		d := 0
		for d < len(line) && line[d] == '>' {
			d++
		}
		content := strings.TrimPrefix(line[d:], " ")
		flowed := strings.HasSuffix(content, " ") && content != "-- "
		if inPara && d != depth {
			emit()
		}
		depth = d
		if flowed && delsp {
			content = content[:len(content)-1]
		}
		para.WriteString(content)
		inPara = true
		if !flowed {
			emit()
		}
	}
	if inPara {
		emit()
	}
	return out.String()
}
