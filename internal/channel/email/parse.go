package email

// MIME parsing. Parse turns one raw RFC 5322 message into a Message: decoded
// headers, a plain-text rendition, the raw HTML, attachments and the
// auto-mail classification. It is deliberately lenient: real mail is full of
// broken headers, wrong charsets and unterminated multiparts, and losing a
// constituent's message is worse than showing a few replacement characters.
// Only inputs that are too large or that carry no header at all are refused.
//
// Forwarded messages (message/rfc822 parts) are parsed, not kept as .eml
// attachments: each one is appended to Message.Forwarded, its text is appended
// to Message.Text under a "Forwarded message" separator (so search and the
// plain-text view see it) and its attachments are added to
// Message.Attachments. Its HTML stays on its own Forwarded entry.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"

	// Registers go-message's charset table for message.CharsetReader too, so
	// any go-message code in this package (or its callers) decodes the same
	// charsets we do.
	_ "github.com/emersion/go-message/charset"
)

// Errors returned by Parse. Test with errors.Is: the returned error wraps one
// of these with a detail.
var (
	// ErrTooLarge: the message exceeds Limits.MaxBytes or Limits.MaxParts.
	ErrTooLarge = errors.New("email: message too large")
	// ErrMalformed: the input is not a mail message at all (empty, or no
	// header field could be read).
	ErrMalformed = errors.New("email: malformed message")
)

// Limits bound the memory and work of one Parse call. A zero or negative
// field takes the value from DefaultLimits.
type Limits struct {
	// MaxBytes is the largest raw message accepted.
	MaxBytes int64
	// MaxAttachmentBytes is the largest decoded attachment kept in memory; a
	// larger one is listed with its Size but Data nil and Omitted set.
	MaxAttachmentBytes int64
	// MaxParts is the largest number of MIME entities (all nesting levels,
	// the message itself included).
	MaxParts int
}

// DefaultLimits suit an organisation's inbound mail: 25 MiB is what the big
// providers accept, which caps any attachment at about 18 MiB after base64.
var DefaultLimits = Limits{
	MaxBytes:           25 << 20,
	MaxAttachmentBytes: 20 << 20,
	MaxParts:           500,
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxAttachmentBytes <= 0 {
		l.MaxAttachmentBytes = DefaultLimits.MaxAttachmentBytes
	}
	if l.MaxParts <= 0 {
		l.MaxParts = DefaultLimits.MaxParts
	}
	return l
}

// maxDepth bounds nesting of multiparts and embedded messages; deeper
// entities are skipped with a warning. Real mail rarely goes past 6.
const maxDepth = 20

// maxWarnings keeps a hostile message from growing Warnings without bound.
const maxWarnings = 32

// Address is one mailbox. Email keeps the local part as sent and lowercases
// the domain (local parts are case-sensitive in theory, domains never).
type Address struct {
	Name  string
	Email string
}

// String formats the address for display (not for a header: no encoding).
func (a Address) String() string {
	switch {
	case a.Name == "":
		return a.Email
	case a.Email == "":
		return a.Name
	}
	return a.Name + " <" + a.Email + ">"
}

// Attachment is a non-body MIME part. Data is the transfer-decoded content,
// byte for byte (text attachments are not charset-converted).
type Attachment struct {
	// Filename is decoded and stripped of any path; when the part has none,
	// one is made up as attachment-N.ext from the content type.
	Filename string
	// ContentType is the lowercased media type without parameters.
	ContentType string
	// ContentID is the Content-ID without angle brackets, for cid: URLs.
	ContentID string
	// Inline is set for images meant to be shown within the body (inline
	// disposition, or part of a multipart/related HTML body). List inline
	// images that the HTML does not reference by cid: as attachments too:
	// Apple Mail marks images in plain-text mail inline.
	Inline bool
	// Size is the decoded size in bytes, also when Data was omitted.
	Size int64
	// Omitted is set when Size exceeded Limits.MaxAttachmentBytes: Data is
	// then nil.
	Omitted bool
	Data    []byte
}

// Message is a parsed mail message.
type Message struct {
	// MessageID is the Message-ID without angle brackets; empty when the
	// header is missing (none is synthesized: the caller decides).
	MessageID  string
	InReplyTo  []string
	References []string // oldest first, as in the header
	Subject    string
	From       Address
	To         []Address
	Cc         []Address
	ReplyTo    []Address
	// Date is the Date header in UTC; zero when missing or unparseable.
	Date time.Time
	// Text is the plain-text rendition: the text/plain body, or a readable
	// conversion of the HTML body when there is no plain text, followed by
	// the text of any forwarded messages. Line endings are "\n".
	Text string
	// HTML is the raw (unsanitized!) HTML body, if any. Render it only
	// through SanitizeHTML.
	HTML        string
	Attachments []Attachment
	// Forwarded holds embedded message/rfc822 parts, parsed. Their
	// attachments also appear in the outer Attachments.
	Forwarded []*Message
	// Headers holds the top-level header fields, unfolded, keys in canonical
	// form (Message-Id, not Message-ID), values not RFC 2047-decoded.
	Headers textproto.MIMEHeader
	// Auto classifies automatic mail (auto-replies, bounces, bulk), which
	// must never be acknowledged; AutoReason says which signal decided.
	Auto       AutoKind
	AutoReason string
	// DSN is the parsed delivery-status report of a bounce, when present.
	DSN *DeliveryStatus
	// Warnings lists what was repaired or skipped while parsing (unknown
	// charsets, truncated parts, ...), for logs; the message is still usable.
	Warnings []string

	embeddedInReport bool // returned original inside a bounce: not quoted in Text
}

// Parse reads and parses one message. It never panics; it returns ErrTooLarge
// or ErrMalformed (wrapped) for inputs it refuses, and otherwise a Message,
// repairing what it can and noting the repairs in Message.Warnings.
func Parse(r io.Reader, lim Limits) (*Message, error) {
	lim = lim.withDefaults()
	raw, err := io.ReadAll(io.LimitReader(r, lim.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("email: reading message: %w", err)
	}
	if int64(len(raw)) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, lim.MaxBytes)
	}
	// Blank lines before the header are a common artefact of hand-made
	// or badly exported messages; they would otherwise end the header.
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrMalformed)
	}
	p := &parser{lim: lim}
	m, err := p.message(raw, 0)
	if err != nil {
		return nil, err
	}
	if len(m.Headers) == 0 {
		return nil, fmt.Errorf("%w: no header fields", ErrMalformed)
	}
	m.Warnings = p.warnings
	m.Auto, m.AutoReason = ClassifyAuto(m)
	return m, nil
}

type parser struct {
	lim      Limits
	parts    int
	warnings []string
}

func (p *parser) warn(format string, args ...any) {
	if len(p.warnings) >= maxWarnings {
		return
	}
	w := fmt.Sprintf(format, args...)
	for _, have := range p.warnings {
		if have == w {
			return
		}
	}
	p.warnings = append(p.warnings, w)
}

// content accumulates what the parts of one message contribute.
type content struct {
	text      []string
	html      []string
	atts      []Attachment
	forwarded []*Message
	dsn       *DeliveryStatus
	origIDs   []string // Message-IDs of returned messages inside a report
}

func (c *content) merge(o *content) {
	c.text = append(c.text, o.text...)
	c.html = append(c.html, o.html...)
	c.atts = append(c.atts, o.atts...)
	c.forwarded = append(c.forwarded, o.forwarded...)
	c.origIDs = append(c.origIDs, o.origIDs...)
	if c.dsn == nil {
		c.dsn = o.dsn
	}
}

// message parses raw as a whole message (top level or embedded).
func (p *parser) message(raw []byte, depth int) (*Message, error) {
	h, body := splitHeader(raw)
	// Raw 8-bit header bytes are, by long practice, in the charset of the
	// body; use it as the fallback for headers that are not valid UTF-8.
	hd := &headerDecoder{fallback: fallbackCharset(h)}
	m := &Message{Headers: h.mime(hd)}
	m.MessageID = firstMsgID(h.get("Message-Id"))
	m.InReplyTo = msgIDList(h.get("In-Reply-To"))
	m.References = msgIDList(strings.Join(h.values("References"), " "))
	m.Subject = cleanLine(hd.words(h.get("Subject")))
	if from := parseAddressList(hd, h.get("From")); len(from) > 0 {
		m.From = from[0]
	} else if sender := parseAddressList(hd, h.get("Sender")); len(sender) > 0 {
		m.From = sender[0]
	} else {
		// "From: MAILER-DAEMON" and the like: keep something to show.
		m.From.Name = truncate(cleanLine(hd.words(h.get("From"))), 200)
	}
	m.To = parseAddressList(hd, strings.Join(h.values("To"), ", "))
	m.Cc = parseAddressList(hd, strings.Join(h.values("Cc"), ", "))
	m.ReplyTo = parseAddressList(hd, h.get("Reply-To"))
	if d := h.get("Date"); d != "" {
		t, ok := parseDate(d)
		if !ok {
			p.warn("unparseable Date %q", truncate(d, 80))
		}
		m.Date = t
	}

	var c content
	if err := p.entity(h, body, depth, partCtx{}, &c); err != nil {
		return nil, err
	}
	// NUL is the one character databases refuse in text (PostgreSQL).
	m.HTML = strings.ReplaceAll(strings.Join(c.html, "\n"), "\x00", "")
	text := strings.Join(nonEmpty(c.text), "\n\n")
	if strings.TrimSpace(text) == "" && m.HTML != "" {
		text = HTMLToText(m.HTML)
	}
	for _, f := range c.forwarded {
		if f.embeddedInReport {
			continue
		}
		text = strings.TrimRight(text, "\n")
		if text != "" {
			text += "\n\n"
		}
		text += forwardBlock(f)
	}
	m.Text = finishText(text)
	m.Attachments = c.atts
	m.Forwarded = c.forwarded
	m.DSN = c.dsn
	if m.DSN != nil && m.DSN.OriginalMessageID == "" && len(c.origIDs) > 0 {
		m.DSN.OriginalMessageID = c.origIDs[0]
	}
	if m.DSN == nil {
		// Exim and others name failed recipients in a header even when they
		// send no machine-readable report.
		if fr := h.get("X-Failed-Recipients"); fr != "" {
			ds := &DeliveryStatus{}
			for _, a := range parseAddressList(hd, fr) {
				ds.Recipients = append(ds.Recipients, DSNRecipient{Email: a.Email, Action: "failed"})
			}
			if len(c.origIDs) > 0 {
				ds.OriginalMessageID = c.origIDs[0]
			}
			m.DSN = ds
		}
	}
	return m, nil
}

// partCtx carries what the enclosing multiparts say about a part.
type partCtx struct {
	alternative bool // direct child of multipart/alternative
	related     bool // non-root child of multipart/related
	report      bool // inside multipart/report
	digest      bool // child of multipart/digest: default type message/rfc822
	signed      bool // non-first child of multipart/signed
}

// entity handles one MIME entity whose header is already split off.
func (p *parser) entity(h header, body []byte, depth int, ctx partCtx, c *content) error {
	p.parts++
	if p.parts > p.lim.MaxParts {
		return fmt.Errorf("%w: more than %d MIME parts", ErrTooLarge, p.lim.MaxParts)
	}
	hd := &headerDecoder{fallback: fallbackCharset(h)}
	ct, params := parseContentType(h.get("Content-Type"), ctx.digest)
	disp, dparams := parseParams(h.get("Content-Disposition"))
	cte := strings.ToLower(strings.TrimSpace(h.get("Content-Transfer-Encoding")))
	filename := hd.param(dparams, "filename")
	if filename == "" {
		filename = hd.param(params, "name")
	}

	switch {
	case strings.HasPrefix(ct, "multipart/"):
		if depth >= maxDepth {
			p.warn("multipart nested deeper than %d skipped", maxDepth)
			return nil
		}
		return p.multipart(ct, params, body, depth+1, ctx, c)

	case ct == "message/rfc822" || ct == "message/global":
		if depth >= maxDepth {
			p.warn("message nested deeper than %d skipped", maxDepth)
			return nil
		}
		data := p.decodeTransfer(cte, body)
		if len(bytes.TrimSpace(data)) == 0 {
			return nil
		}
		inner, err := p.message(data, depth+1)
		if err != nil {
			return err
		}
		c.forwarded = append(c.forwarded, inner)
		if ctx.report {
			// The returned original of a bounce: not quoted in Text, and
			// its attachments are not the sender's.
			inner.embeddedInReport = true
			if inner.MessageID != "" {
				c.origIDs = append(c.origIDs, inner.MessageID)
			}
			return nil
		}
		c.atts = append(c.atts, inner.Attachments...)
		return nil

	case ctx.report && (ct == "message/delivery-status" || ct == "message/global-delivery-status"):
		data := p.decodeTransfer(cte, body)
		c.dsn = parseDeliveryStatus(data)
		return nil

	case ctx.report && ct == "text/rfc822-headers":
		data := p.decodeTransfer(cte, body)
		oh, _ := splitHeader(data)
		if id := firstMsgID(oh.get("Message-Id")); id != "" {
			c.origIDs = append(c.origIDs, id)
		}
		return nil

	case ctx.signed && isSignature(ct):
		// The signature of multipart/signed is not something a person
		// attached; verifying it is out of scope.
		return nil
	}

	isBody := (ct == "text/plain" || ct == "text/html") &&
		disp != "attachment" && filename == "" && !ctx.related
	if isBody {
		data := p.decodeTransfer(cte, body)
		s := p.decodeText(data, params["charset"], ct == "text/html")
		if ct == "text/html" {
			c.html = append(c.html, s)
		} else {
			if strings.EqualFold(params["format"], "flowed") {
				s = unflow(s, strings.EqualFold(params["delsp"], "yes"))
			}
			c.text = append(c.text, s)
		}
		return nil
	}
	if ctx.alternative && strings.HasPrefix(ct, "text/") && ct != "text/calendar" && filename == "" {
		// text/enriched, text/watch-html, text/x-amp-html: renditions of the
		// same body we already have in plain text or HTML.
		return nil
	}

	data := p.decodeTransfer(cte, body)
	size := int64(len(data))
	a := Attachment{
		Filename:    cleanFilename(filename),
		ContentType: ct,
		ContentID:   cleanContentID(h.get("Content-Id")),
		Size:        size,
		Data:        data,
	}
	// Only images can be shown within a body; Apple Mail marks PDFs and
	// other documents "inline" too, and those are attachments to a reader.
	a.Inline = strings.HasPrefix(ct, "image/") &&
		(disp == "inline" || (disp == "" && ctx.related && (a.ContentID != "" || h.get("Content-Location") != "")))
	if size > p.lim.MaxAttachmentBytes {
		a.Data = nil
		a.Omitted = true
		p.warn("attachment %q of %d bytes omitted", a.Filename, size)
	}
	if a.Filename == "" {
		a.Filename = fmt.Sprintf("attachment-%d%s", len(c.atts)+1, extensionFor(ct))
	}
	c.atts = append(c.atts, a)
	return nil
}

func isSignature(ct string) bool {
	switch ct {
	case "application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature":
		return true
	}
	return false
}

func (p *parser) multipart(ct string, params map[string]string, body []byte, depth int, ctx partCtx, c *content) error {
	boundary := params["boundary"]
	if boundary == "" {
		boundary = sniffBoundary(body)
	}
	parts, terminated := splitMultipart(body, boundary, p.lim.MaxParts)
	if len(parts) == 0 {
		// No delimiter at all: the body is most likely plain text that some
		// generator labelled multipart. Keep it rather than lose it.
		p.warn("%s without parts, treated as text", ct)
		if t := strings.TrimSpace(p.decodeText(body, "", false)); t != "" {
			c.text = append(c.text, t)
		}
		return nil
	}
	if !terminated {
		p.warn("%s not terminated", ct)
	}
	sub := strings.TrimPrefix(ct, "multipart/")
	child := partCtx{report: ctx.report || sub == "report", digest: sub == "digest"}

	switch sub {
	case "alternative":
		// Parts are in increasing order of fidelity: the last one with text
		// wins for Text, the last with HTML for HTML. Attachments of every
		// branch are kept (Outlook puts invitations in a text/calendar
		// alternative).
		var best content
		var textSet, htmlSet bool
		results := make([]content, 0, len(parts))
		for _, part := range parts {
			var cc content
			ph, pb := splitHeader(part)
			child.alternative = true
			if err := p.entity(ph, pb, depth, child, &cc); err != nil {
				return err
			}
			results = append(results, cc)
		}
		for i := len(results) - 1; i >= 0; i-- {
			r := results[i]
			if !textSet && len(nonEmpty(r.text)) > 0 {
				best.text, textSet = r.text, true
			}
			if !htmlSet && len(r.html) > 0 {
				best.html, htmlSet = r.html, true
			}
		}
		for _, r := range results {
			r.text, r.html = nil, nil
			best.merge(&r)
		}
		c.merge(&best)
		return nil

	case "related":
		root := 0
		if start := cleanContentID(params["start"]); start != "" {
			for i, part := range parts {
				ph, _ := splitHeader(part)
				if cleanContentID(ph.get("Content-Id")) == start {
					root = i
					break
				}
			}
		}
		for i, part := range parts {
			ph, pb := splitHeader(part)
			cc := child
			cc.related = i != root
			if err := p.entity(ph, pb, depth, cc, c); err != nil {
				return err
			}
		}
		return nil

	case "signed":
		for i, part := range parts {
			ph, pb := splitHeader(part)
			cc := child
			cc.signed = i > 0
			if err := p.entity(ph, pb, depth, cc, c); err != nil {
				return err
			}
		}
		return nil

	default: // mixed, report, digest, parallel, encrypted and unknown
		for _, part := range parts {
			ph, pb := splitHeader(part)
			if err := p.entity(ph, pb, depth, child, c); err != nil {
				return err
			}
		}
		return nil
	}
}

// forwardBlock renders an embedded message the way mail clients quote a
// forward, so that the plain-text view reads naturally.
func forwardBlock(f *Message) string {
	var b strings.Builder
	b.WriteString("---------- Forwarded message ----------\n")
	if f.From != (Address{}) {
		b.WriteString("From: " + f.From.String() + "\n")
	}
	if !f.Date.IsZero() {
		b.WriteString("Date: " + f.Date.Format(time.RFC1123Z) + "\n")
	}
	if f.Subject != "" {
		b.WriteString("Subject: " + f.Subject + "\n")
	}
	if len(f.To) > 0 {
		to := make([]string, len(f.To))
		for i, a := range f.To {
			to[i] = a.String()
		}
		b.WriteString("To: " + strings.Join(to, ", ") + "\n")
	}
	b.WriteString("\n")
	b.WriteString(f.Text)
	return b.String()
}

// finishText normalises line endings, drops characters that databases and
// terminals choke on (NUL, stray controls), and trims blank edges.
func finishText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r == '\uFEFF' {
			return -1
		}
		return r
	}, s)
	s = strings.TrimRight(s, " \t\n")
	return strings.TrimLeft(s, "\n")
}

func nonEmpty(ss []string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// truncate shortens s to at most n bytes plus an ellipsis, at a rune
// boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
