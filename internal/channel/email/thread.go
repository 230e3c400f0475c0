package email

// Threading helpers. Replies are matched to conversations by, in order of
// trust: the HMAC-signed plus-address they were sent to (ParseReplyAddress),
// the Message-IDs they reference (ThreadKeys, JWZ style), and the [HK-n]
// token in the subject (FindRef, a hint only: anyone can type it, so check
// the sender belongs to the conversation). The subject text itself is never a
// threading key; NormalizeSubject is for display and search.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// ThreadKeys returns the Message-IDs a message answers, most specific first:
// In-Reply-To, then References newest to oldest, without duplicates or the
// message's own ID. Look them up in order; the first known one decides.
func ThreadKeys(m *Message) []string {
	seen := map[string]bool{}
	if m.MessageID != "" {
		seen[m.MessageID] = true
	}
	var keys []string
	add := func(id string) {
		id = strings.TrimSpace(id)
		if id == "" || seen[id] {
			return
		}
		seen[id] = true
		keys = append(keys, id)
	}
	for _, id := range m.InReplyTo {
		add(id)
	}
	for i := len(m.References) - 1; i >= 0; i-- {
		add(m.References[i])
	}
	return keys
}

// replyPrefixes are reply and forward markers as mail clients write them in
// many languages, compared after foldPrefix (lowercase, narrow width, dotted
// and dotless i unified, trailing dot dropped).
var replyPrefixes = map[string]bool{
	// English and many others
	"re": true, "fw": true, "fwd": true,
	// German, Dutch
	"aw": true, "wg": true, "antw": true, "antwort": true, "doorst": true,
	// Nordic: Finnish VS/VL, Swedish/Danish/Norwegian SV/VB/VS/VS
	"sv": true, "vs": true, "vl": true, "vb": true,
	// French, Italian, Spanish, Portuguese
	"tr": true, "réf": true, "ref": true, "rif": true, "r": true, "i": true,
	"rv": true, "enc": true, "res": true,
	// Turkish (Outlook: YNT / İLT)
	"ynt": true, "ilt": true, "cevap": true, "yanit": true, "ilet": true,
	// Japanese, Chinese
	"返信": true, "転送": true, "回复": true, "回覆": true, "答复": true, "转发": true, "轉寄": true, "轉發": true,
	// Persian, Arabic
	"پاسخ": true, "هدایت": true, "باز ارسال": true, "رد": true, "إعادة توجيه": true,
	// Russian, Polish, Czech, Greek, Hebrew, Hungarian
	"ответ": true, "отв": true, "пересл": true, "odp": true, "pd": true, "přeposlat": true,
	"απ": true, "σχετ": true, "πρθ": true, "השב": true, "הועבר": true, "vá": true, "továbbítás": true,
}

var prefixCount = regexp.MustCompile(`\s*(\[\d+\]|\(\d+\)|\^\d+)$`)

func foldPrefix(s string) string {
	s = strings.ToLower(width.Fold.String(s))
	s = strings.ReplaceAll(s, "\u0307", "") // "İ" lowercases to i + combining dot
	s = strings.ReplaceAll(s, "ı", "i")
	s = prefixCount.ReplaceAllString(strings.TrimSpace(s), "")
	return strings.TrimSuffix(s, ".")
}

// NormalizeSubject strips reply/forward markers (Re:, RE :, Re[2]:, Fwd:,
// AW:, SV:, VS:, TR:, Réf. :, YNT:, İLT:, 返信:, 転送：, پاسخ: ...), leading
// bracketed tags ([list-name], [EXTERNAL]), our own [HK-n] tokens and a
// trailing "(fwd)", repeatedly, and collapses whitespace.
func NormalizeSubject(s string) string {
	s = refPattern.ReplaceAllString(cleanLine(s), " ")
	for {
		s = strings.TrimSpace(s)
		before := s
		if strings.HasPrefix(s, "[") {
			if end := strings.IndexByte(s, ']'); end > 0 && end <= 64 && strings.TrimSpace(s[end+1:]) != "" {
				s = s[end+1:]
				continue
			}
		}
		if i := strings.IndexAny(s, ":："); i > 0 && utf8.RuneCountInString(s[:i]) <= 24 {
			if replyPrefixes[foldPrefix(s[:i])] {
				_, n := utf8.DecodeRuneInString(s[i:])
				s = s[i+n:]
				continue
			}
		}
		low := strings.ToLower(s)
		if strings.HasSuffix(low, "(fwd)") {
			s = s[:len(s)-len("(fwd)")]
			continue
		}
		if s == before {
			break
		}
	}
	return cleanLine(s)
}

// refPattern matches conversation tokens; lenient about case and spacing
// because some clients and gateways rewrite subjects.
var refPattern = regexp.MustCompile(`(?i)\[\s*HK-\s*(\d{1,18})\s*\]`)

// FormatRef renders the conversation token put in outgoing subjects.
func FormatRef(id int64) string {
	return "[HK-" + strconv.FormatInt(id, 10) + "]"
}

// FindRef returns the conversation id of the first [HK-n] token in a
// subject. Treat it as a hint (tokens are guessable): accept it only when
// the sender is a participant of that conversation.
func FindRef(subject string) (int64, bool) {
	m := refPattern.FindStringSubmatch(subject)
	if m == nil {
		return 0, false
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

var macEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// replyMAC is 8 base32 characters (40 bits) of HMAC-SHA256 over the
// conversation id: short enough for a local part, long enough that guessing
// one costs a trillion tries. Lowercase, because some MTAs lowercase local
// parts.
func replyMAC(convID int64, secret []byte) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("hearken/reply-address/v1:"))
	h.Write([]byte(strconv.FormatInt(convID, 10)))
	return strings.ToLower(macEncoding.EncodeToString(h.Sum(nil)[:5]))
}

// ReplyAddress returns base with a signed sub-address routing replies to a
// conversation: help@example.org → help+c12345.k3x9a2bq@example.org. It
// returns base unchanged when it has no "@", convID is not positive or the
// secret is empty (an unsigned route would let anyone post into any
// conversation).
func ReplyAddress(base string, convID int64, secret []byte) string {
	at := strings.LastIndexByte(base, '@')
	if at <= 0 || convID <= 0 || len(secret) == 0 {
		return base
	}
	return base[:at] + "+c" + strconv.FormatInt(convID, 10) + "." + replyMAC(convID, secret) + base[at:]
}

// ParseReplyAddress returns the conversation id routed by an address made by
// ReplyAddress, if its signature verifies. It accepts a bare address or one
// with a display name, in any letter case.
func ParseReplyAddress(addr string, secret []byte) (int64, bool) {
	if len(secret) == 0 {
		return 0, false
	}
	if i := strings.LastIndexByte(addr, '<'); i >= 0 {
		addr = addr[i+1:]
	}
	email := cleanEmail(addr)
	at := strings.LastIndexByte(email, '@')
	if at <= 0 {
		return 0, false
	}
	local := strings.ToLower(email[:at])
	plus := strings.LastIndexByte(local, '+')
	if plus < 0 {
		return 0, false
	}
	tag := local[plus+1:]
	if !strings.HasPrefix(tag, "c") {
		return 0, false
	}
	idStr, mac, ok := strings.Cut(tag[1:], ".")
	if !ok || idStr == "" || len(idStr) > 18 || strings.TrimLeft(idStr, "0123456789") != "" {
		return 0, false
	}
	id, err := strconv.ParseInt(idStr, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	if !hmac.Equal([]byte(mac), []byte(replyMAC(id, secret))) {
		return 0, false
	}
	return id, true
}
