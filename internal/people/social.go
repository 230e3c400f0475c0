package people

import "strings"

// SocialKey is the match key of a social handle on a platform, as stored
// with a Social contact point: FindByContact(ctx, Social, SocialKey(p, h))
// finds its profiles.
func SocialKey(platform, handle string) string {
	p := strings.ToLower(strings.TrimSpace(platform))
	if p == "twitter" {
		p = "x"
	}
	if !socialPlatforms[p] {
		p = "other"
	}
	h := strings.TrimSpace(handle)
	if p != "mastodon" && p != "other" {
		h = strings.TrimPrefix(h, "@")
	}
	if h == "" {
		return ""
	}
	return p + ":" + strings.ToLower(h)
}

// DecodeCSV detects the encoding of a CSV file as the people import does
// (BOMs, UTF-8, UTF-16, legacy code pages) and returns its text in UTF-8
// with the detected encoding and separator, for other capabilities'
// imports.
func DecodeCSV(b []byte) (text, encoding string, delimiter rune, err error) {
	if encoding, err = DetectEncoding(b); err != nil {
		return "", "", 0, err
	}
	if text, err = decodeFile(b, encoding); err != nil {
		return "", "", 0, err
	}
	return text, encoding, SniffDelimiter(text), nil
}
