package email

import (
	"bytes"
)

// splitMultipart returns the body parts between boundary delimiter lines.
// It works on the buffered body rather than streaming because it must be
// lenient: a missing close delimiter ends the last part at the end of the
// data (terminated is then false), preamble and epilogue are ignored, LF and
// CRLF line endings are both accepted, and trailing whitespace after a
// delimiter is allowed. At most maxParts parts are returned (the caller
// refuses more anyway).
func splitMultipart(body []byte, boundary string, maxParts int) (parts [][]byte, terminated bool) {
	if boundary == "" || len(boundary) > 200 {
		return nil, false
	}
	delim := []byte("--" + boundary)
	cur := -1 // start of the current part's content
	pos := 0
	for pos < len(body) {
		i := bytes.Index(body[pos:], delim)
		if i < 0 {
			break
		}
		i += pos
		pos = i + len(delim)
		if i > 0 && body[i-1] != '\n' {
			continue // not at the start of a line
		}
		after := body[i+len(delim):]
		lineEnd := bytes.IndexByte(after, '\n')
		if lineEnd < 0 {
			lineEnd = len(after)
		}
		line := after[:lineEnd]
		closing := bytes.HasPrefix(line, []byte("--"))
		if closing {
			line = line[2:]
		}
		if len(bytes.Trim(line, " \t\r")) != 0 {
			continue // a longer boundary that merely starts with ours
		}
		if cur >= 0 {
			end := i
			// The line break before a delimiter belongs to the delimiter.
			if end > cur && body[end-1] == '\n' {
				end--
				if end > cur && body[end-1] == '\r' {
					end--
				}
			}
			parts = append(parts, body[cur:end])
			if len(parts) > maxParts {
				return parts, false
			}
		}
		if closing {
			return parts, true
		}
		cur = i + len(delim) + lineEnd + 1
		if cur > len(body) {
			cur = len(body)
		}
		pos = cur
	}
	if cur >= 0 {
		parts = append(parts, body[cur:])
	}
	return parts, false
}

// sniffBoundary recovers the boundary of a multipart whose Content-Type lost
// its boundary parameter: the first line that looks like a delimiter.
func sniffBoundary(body []byte) string {
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		line = bytes.TrimRight(line, " \t\r")
		if len(line) > 2 && len(line) <= 72 && bytes.HasPrefix(line, []byte("--")) &&
			!bytes.ContainsAny(line, " \t") {
			return string(line[2:])
		}
	}
	return ""
}
