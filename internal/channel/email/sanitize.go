package email

import (
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// The policy is built once: bluemonday policies are safe for concurrent use
// once configured.
var htmlPolicy = newHTMLPolicy()

// newHTMLPolicy allows what mail layouts need (tables, fonts, alignment,
// colours) and nothing that runs, submits, embeds, or loads from elsewhere
// without our say: no script, style sheets, event handlers, forms, frames,
// objects, media, SVG, meta/base/link; no class or id (they would hit the
// app's own CSS and DOM); inline style limited to properties that cannot
// reference a URL; no relative URLs (they would point into the app).
func newHTMLPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.AllowURLSchemes("http", "https", "mailto", "tel", "cid")
	p.AllowDataURIImages()
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)

	p.AllowElements(
		"abbr", "address", "article", "b", "bdi", "big", "blockquote", "br",
		"caption", "center", "cite", "code", "dd", "del", "details", "dfn", "div",
		"dl", "dt", "em", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4",
		"h5", "h6", "header", "hr", "i", "ins", "kbd", "li", "mark", "ol", "p",
		"pre", "q", "rp", "rt", "ruby", "s", "samp", "section", "small", "span",
		"strike", "strong", "sub", "summary", "sup", "table", "tbody", "tfoot",
		"thead", "tr", "td", "th", "tt", "u", "ul", "var", "wbr", "font",
		"colgroup", "col",
	)
	p.AllowAttrs("dir").Matching(regexp.MustCompile(`(?i)^(ltr|rtl|auto)$`)).Globally()
	p.AllowAttrs("lang").Matching(regexp.MustCompile(`^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$`)).Globally()
	p.AllowAttrs("title").Matching(bluemonday.Paragraph).Globally()
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("src").OnElements("img")
	p.AllowAttrs("alt").Matching(bluemonday.Paragraph).OnElements("img")
	p.AllowAttrs("width", "height").Matching(bluemonday.NumberOrPercent).OnElements("img", "table", "td", "th", "col", "colgroup")
	p.AllowAttrs("border").Matching(bluemonday.Integer).OnElements("img", "table")
	p.AllowAttrs("cellpadding", "cellspacing").Matching(bluemonday.Integer).OnElements("table")
	p.AllowAttrs("colspan", "rowspan").Matching(bluemonday.Integer).OnElements("td", "th")
	p.AllowAttrs("span").Matching(bluemonday.Integer).OnElements("col", "colgroup")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`(?i)^(left|right|center|justify|top|middle|bottom)$`)).
		OnElements("p", "div", "table", "tr", "td", "th", "img", "h1", "h2", "h3", "h4", "h5", "h6", "caption", "col", "colgroup", "tbody", "thead", "tfoot")
	p.AllowAttrs("valign").Matching(bluemonday.CellVerticalAlign).OnElements("tr", "td", "th", "tbody", "thead", "tfoot", "col", "colgroup")
	color := regexp.MustCompile(`^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20})$`)
	p.AllowAttrs("bgcolor").Matching(color).OnElements("table", "tr", "td", "th")
	p.AllowAttrs("color").Matching(color).OnElements("font")
	p.AllowAttrs("face").Matching(regexp.MustCompile(`^[\p{L}\p{N} ,\-_'"]{1,200}$`)).OnElements("font")
	p.AllowAttrs("size").Matching(regexp.MustCompile(`^[+-]?[1-7]$`)).OnElements("font")
	p.AllowAttrs("type").Matching(bluemonday.ListType).OnElements("ol", "ul", "li")
	p.AllowAttrs("start", "value").Matching(bluemonday.Integer).OnElements("ol", "li")
	p.AllowAttrs("cite").OnElements("blockquote", "q")
	p.AllowAttrs("open").Matching(regexp.MustCompile(`(?i)^(|open)$`)).OnElements("details")
	// bluemonday validates each value with its per-property handler; none of
	// these properties takes url(), so styles cannot fetch remote content.
	p.AllowStyles(
		"color", "background-color", "font-weight", "font-style", "font-size",
		"font-family", "font-variant", "text-align", "text-decoration",
		"text-transform", "text-indent", "direction", "unicode-bidi",
		"line-height", "letter-spacing", "white-space", "vertical-align",
		"word-spacing", "word-break", "word-wrap",
	).Globally()
	// display:none hides preheaders and Outlook-only duplicates; other
	// display values are harmless layout.
	p.AllowStyles("display").MatchingEnum("none", "block", "inline", "inline-block", "table", "table-cell", "table-row").Globally()
	return p
}

// SanitizeHTML makes a message's HTML safe to embed in the app: no scripts,
// styles sheets, event handlers, forms, iframes or objects; every link gets
// target="_blank" and rel="nofollow noreferrer noopener". Unless
// allowRemoteImages, an http(s) image loses its src, which is kept in
// data-blocked-src so the UI can offer "show images" (do that by sanitizing
// again with allowRemoteImages, not by copying the attribute in the
// browser). Tracking pixels are thereby blocked too. cid: sources (inline
// attachments) and data: images are kept; the caller rewrites cid: URLs to
// its attachment endpoint.
//
// The output contains "data-blocked-src" exactly when a remote image was
// blocked.
func SanitizeHTML(src string, allowRemoteImages bool) string {
	clean := rewriteSanitized(htmlPolicy.Sanitize(src), allowRemoteImages)
	// <html> and <body> are dropped, and with them a document-wide dir:
	// keep a right-to-left direction (Persian, Arabic mail) on a wrapper.
	if m := documentDir.FindStringSubmatch(src); m != nil {
		clean = `<div dir="` + strings.ToLower(m[1]) + `">` + clean + `</div>`
	}
	return clean
}

var documentDir = regexp.MustCompile(`(?i)<(?:html|body)\b[^>]{0,500}?\sdir\s*=\s*["']?(rtl|ltr)\b`)

// rewriteSanitized post-processes bluemonday's output, which is well formed
// and carries only allowed attributes: it renames remote image sources and
// completes link attributes. Tokens it does not change are copied raw.
func rewriteSanitized(clean string, allowRemoteImages bool) string {
	if !strings.Contains(clean, "<img") && !strings.Contains(clean, "<a") {
		return clean
	}
	z := html.NewTokenizer(strings.NewReader(clean))
	var b strings.Builder
	b.Grow(len(clean) + 64)
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return b.String()
		}
		raw := z.Raw()
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			b.Write(raw)
			continue
		}
		tok := z.Token()
		switch tok.Data {
		case "img":
			if allowRemoteImages {
				b.Write(raw)
				continue
			}
			for i, a := range tok.Attr {
				if a.Key == "src" && isRemoteURL(a.Val) {
					tok.Attr[i].Key = "data-blocked-src"
				}
			}
			b.WriteString(tok.String())
		case "a":
			var hasHref bool
			rel, target := -1, -1
			for i, a := range tok.Attr {
				switch a.Key {
				case "href":
					hasHref = true
				case "rel":
					rel = i
				case "target":
					target = i
				}
			}
			if !hasHref {
				b.Write(raw)
				continue
			}
			relVal := "nofollow noreferrer noopener"
			if rel >= 0 {
				tok.Attr[rel].Val = relVal
			} else {
				tok.Attr = append(tok.Attr, html.Attribute{Key: "rel", Val: relVal})
			}
			if target >= 0 {
				tok.Attr[target].Val = "_blank"
			} else {
				tok.Attr = append(tok.Attr, html.Attribute{Key: "target", Val: "_blank"})
			}
			b.WriteString(tok.String())
		default:
			b.Write(raw)
		}
	}
}

func isRemoteURL(u string) bool {
	u = strings.ToLower(strings.TrimSpace(u))
	return strings.HasPrefix(u, "http:") || strings.HasPrefix(u, "https:") || strings.HasPrefix(u, "//")
}
