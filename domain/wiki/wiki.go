// Package wiki parses bangumi's wiki (infobox) text and derives the
// infobox the /v0 API emits.
//
// A wiki text looks like this:
//
//	{{Infobox animanga/TVAnime
//	|中文名= Code Geass 反叛的鲁路修R2
//	|别名={
//	[叛逆的鲁路修R2]
//	[英文名|Code Geass: Lelouch of the Rebellion R2]
//	}
//	|放送星期=
//	}}
//
// The rules (bangumi wiki-syntax-spec, as implemented by bangumi's Go parser):
//
//   - "\r\n" is normalised to "\n" and the text is trimmed; an empty text is
//     an empty wiki.
//   - The text must start with "{{Infobox" and end with "}}". The rest of the
//     first line, trimmed of spaces and tabs, is the type. "{{Infobox Crt}}"
//     on a single line is a valid wiki of type "Crt" without fields.
//   - Every line between the first and the last one is trimmed of spaces and
//     tabs; blank lines are ignored. The last line is the one that holds the
//     closing "}}"; like bangumi's parser, Parse does not read any text in
//     front of "}}" on that line.
//   - "|key=value" is a field: the key is the text up to the first "=", the
//     value is the rest, both trimmed. A value "" is a null field, a value
//     "{" opens an array.
//   - Inside an array every line is an item "[value]" or "[key|value]" (split
//     at the first "|", both parts trimmed) or the closing "}".
//
// The package is pure: it does no I/O and keeps no state.
package wiki

import (
	"strconv"
	"strings"
	"unicode"
)

// Wiki is a parsed wiki text.
type Wiki struct {
	// Type is the text after "{{Infobox" on the first line, e.g. "Crt" or
	// "animanga/TVAnime"; it may be empty.
	Type string
	// Fields in input order, duplicates kept; nil when there are none.
	Fields []Field
}

// Field is one "|key=value" entry of a wiki.
//
// Exactly one of three shapes:
//   - null field ("|key="): Null is true, Value is "" and Values is nil;
//   - scalar field: Value is non-empty (never "{") and Values is nil;
//   - array field ("|key={" … "}"): Array is true, Value is "" and Values is
//     non-nil (possibly empty).
type Field struct {
	Key    string
	Null   bool
	Array  bool
	Value  string
	Values []Item
}

// Item is one "[key|value]" or "[value]" line of an array field. Key is ""
// for an item without "|".
type Item struct {
	Key   string
	Value string
}

const (
	prefix = "{{Infobox"
	suffix = "}}"
)

// ErrSyntax is matched (errors.Is) by every error Parse returns.
var ErrSyntax error = reasonError("invalid wiki syntax")

// Reasons carried by a *SyntaxError; each of them matches ErrSyntax.
var (
	ErrMissingPrefix    error = reasonError(`missing "{{Infobox" at the start`)
	ErrMissingSuffix    error = reasonError(`missing "}}" at the end`)
	ErrArrayNotClosed   error = reasonError(`array not closed by "}"`)
	ErrItemNotWrapped   error = reasonError(`array item not wrapped in "[" and "]"`)
	ErrExpectingField   error = reasonError(`expecting a field starting with "|"`)
	ErrMissingEqualSign error = reasonError(`missing "=" between field name and value`)
)

type reasonError string

func (r reasonError) Error() string { return string(r) }

// Is makes every reason match ErrSyntax.
func (r reasonError) Is(target error) bool { return target == ErrSyntax }

// SyntaxError reports where and why a wiki text is invalid.
type SyntaxError struct {
	// Line is the 1-based number of the offending line in the input (with
	// "\r\n" counted as one line break).
	Line int
	// Text is the offending line, trimmed of spaces and tabs.
	Text string
	// Err is the reason, one of the Err* variables of this package.
	Err error
}

func (e *SyntaxError) Error() string {
	return "wiki: line " + strconv.Itoa(e.Line) + ": " + e.Err.Error() + ": " + strconv.Quote(e.Text)
}

// Unwrap returns the reason, so errors.Is(err, ErrArrayNotClosed) and
// errors.Is(err, ErrSyntax) both work.
func (e *SyntaxError) Unwrap() error { return e.Err }

// Parse parses a wiki text. Every error it returns is a *SyntaxError; on
// error the returned Wiki is the zero value.
//
// Strings in the result share memory with s.
func Parse(s string) (Wiki, error) {
	if strings.Contains(s, "\r\n") {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	trimmed := strings.TrimLeftFunc(s, unicode.IsSpace)
	// Line number of the first line of the trimmed text.
	first := 1 + strings.Count(s[:len(s)-len(trimmed)], "\n")
	s = strings.TrimRightFunc(trimmed, unicode.IsSpace)
	if s == "" {
		return Wiki{}, nil
	}

	if !strings.HasPrefix(s, prefix) {
		line, _, _ := strings.Cut(s, "\n")
		return Wiki{}, syntaxError(ErrMissingPrefix, first, line)
	}
	lastEOL := strings.LastIndexByte(s, '\n')
	if !strings.HasSuffix(s, suffix) {
		return Wiki{}, syntaxError(ErrMissingSuffix, first+strings.Count(s, "\n"), s[lastEOL+1:])
	}

	firstEOL := strings.IndexByte(s, '\n')
	if firstEOL < 0 {
		// "{{Infobox Crt}}": the type ends at the first "}".
		rest := s[len(prefix):]
		return Wiki{Type: trimSpace(rest[:strings.IndexByte(rest, '}')])}, nil
	}

	w := Wiki{Type: trimSpace(s[len(prefix):firstEOL])}
	if firstEOL == lastEOL {
		return w, nil
	}

	// The content lines: everything between the first and the last line.
	body := s[firstEOL+1 : lastEOL+1] // every line ends with '\n'
	n := strings.Count(body, "\n")
	// Upper bounds, so neither slice grows; array fields take sub-slices of
	// items, capped so appending to one never clobbers its neighbour.
	fields := make([]Field, 0, n)
	items := make([]Item, 0, n)

	var (
		inArray    bool
		arrayKey   string
		arrayStart int
		lino       = first
	)
	for len(body) > 0 {
		lino++
		eol := strings.IndexByte(body, '\n')
		line := trimSpace(body[:eol])
		body = body[eol+1:]
		if line == "" {
			continue
		}

		if line[0] == '|' {
			if inArray {
				return Wiki{}, syntaxError(ErrArrayNotClosed, lino, line)
			}
			key, value, ok := strings.Cut(line[1:], "=")
			if !ok {
				return Wiki{}, syntaxError(ErrMissingEqualSign, lino, line)
			}
			key, value = trimSpace(key), trimSpace(value)
			switch value {
			case "":
				fields = append(fields, Field{Key: key, Null: true})
			case "{":
				inArray, arrayKey, arrayStart = true, key, len(items)
			default:
				fields = append(fields, Field{Key: key, Value: value})
			}
			continue
		}

		if !inArray {
			return Wiki{}, syntaxError(ErrExpectingField, lino, line)
		}
		if line == "}" {
			inArray = false
			fields = append(fields, Field{
				Key:    arrayKey,
				Array:  true,
				Values: items[arrayStart:len(items):len(items)],
			})
			continue
		}
		if len(line) < 2 || line[0] != '[' || line[len(line)-1] != ']' {
			return Wiki{}, syntaxError(ErrItemNotWrapped, lino, line)
		}
		key, value, ok := strings.Cut(line[1:len(line)-1], "|")
		if !ok {
			key, value = "", key
		}
		items = append(items, Item{Key: trimSpace(key), Value: trimSpace(value)})
	}

	if inArray {
		// Reached the closing "}}" with an array still open.
		return Wiki{}, syntaxError(ErrArrayNotClosed, lino+1, trimSpace(s[lastEOL+1:]))
	}
	if len(fields) > 0 {
		w.Fields = fields
	}
	return w, nil
}

func syntaxError(reason error, line int, text string) error {
	return &SyntaxError{Line: line, Text: trimSpace(text), Err: reason}
}

// trimSpace trims spaces and tabs only (not other Unicode white space).
func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
