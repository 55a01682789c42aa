package timeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Memo values. A decoded memo (JSON or PHP) and the memos built here are trees of: nil, bool,
// float64 (decoded numbers: JavaScript numbers), uint8/uint32 (numbers built here), string,
// *object and []any. encodeJSON writes them the way JavaScript's JSON.stringify does.

// member is one key/value of an object.
type member struct {
	key string
	val any
}

// object is a JavaScript object: keys keep their insertion order, except that JSON.stringify
// lists array-index keys ("0".."4294967294" in canonical form) first, in ascending order.
type object struct{ members []member }

// newObject builds an object from key, value pairs, in order.
func newObject(kv ...any) *object {
	o := &object{members: make([]member, 0, len(kv)/2)}
	for i := 0; i+1 < len(kv); i += 2 {
		o.set(kv[i].(string), kv[i+1])
	}
	return o
}

// set assigns o[key] = val like JavaScript: a new key goes last, an existing key keeps its place.
func (o *object) set(key string, val any) {
	for i := range o.members {
		if o.members[i].key == key {
			o.members[i].val = val
			return
		}
	}
	o.members = append(o.members, member{key: key, val: val})
}

func (o *object) get(key string) (any, bool) {
	for _, m := range o.members {
		if m.key == key {
			return m.val, true
		}
	}
	return nil, false
}

// entriesOf lists the entries of an object, or of an array with its indexes as keys
// (JavaScript's Object.entries); ok is false for anything else.
func entriesOf(v any) ([]member, bool) {
	switch v := v.(type) {
	case *object:
		return v.members, true
	case []any:
		out := make([]member, len(v))
		for i, e := range v {
			out[i] = member{key: strconv.Itoa(i), val: e}
		}
		return out, true
	}
	return nil, false
}

// maxSafeInteger is JavaScript's Number.MAX_SAFE_INTEGER.
const maxSafeInteger = 1<<53 - 1

// indexKey turns an id (a number, or a string holding one) into the key bangumi's writer
// files it under, Number(id) as a property name; ok is false unless that is a non-negative
// integer (an id). " 012 " and "12" and 12.0 all give "12".
func indexKey(v any) (string, bool) {
	var f float64
	switch v := v.(type) {
	case float64:
		f = v
	case uint8:
		f = float64(v)
	case uint32:
		f = float64(v)
	case string:
		// Decimal notation only (JavaScript would also read "0x1F", "Infinity" or "" as numbers).
		s := strings.TrimSpace(v)
		if s == "" || strings.Trim(s, "0123456789.eE+-") != "" {
			return "", false
		}
		var err error
		if f, err = strconv.ParseFloat(s, 64); err != nil {
			return "", false
		}
	default:
		return "", false
	}
	if f < 0 || f > maxSafeInteger || f != math.Trunc(f) {
		return "", false
	}
	return strconv.FormatUint(uint64(f), 10), true
}

// isArrayIndex reports whether k is a canonical array index (JavaScript orders those first).
func isArrayIndex(k string) (uint64, bool) {
	if k == "" || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(k, 10, 32)
	if err != nil || n == math.MaxUint32 {
		return 0, false
	}
	return n, true
}

// ordered returns o's members in JSON.stringify order.
func (o *object) ordered() []member {
	var idx, rest []member
	for _, m := range o.members {
		if _, ok := isArrayIndex(m.key); ok {
			idx = append(idx, m)
		} else {
			rest = append(rest, m)
		}
	}
	slices.SortStableFunc(idx, func(a, b member) int {
		x, _ := isArrayIndex(a.key)
		y, _ := isArrayIndex(b.key)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	return append(idx, rest...)
}

// encodeJSON writes v as JSON.stringify(v) does.
func encodeJSON(v any) string {
	var b strings.Builder
	writeJSON(&b, v)
	return b.String()
}

func writeJSON(b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case uint8:
		b.WriteString(strconv.FormatUint(uint64(v), 10))
	case uint32:
		b.WriteString(strconv.FormatUint(uint64(v), 10))
	case float64:
		b.WriteString(jsNumber(v))
	case string:
		writeJSString(b, v)
	case *object:
		b.WriteByte('{')
		for i, m := range v.ordered() {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSString(b, m.key)
			b.WriteByte(':')
			writeJSON(b, m.val)
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e)
		}
		b.WriteByte(']')
	default:
		panic(fmt.Sprintf("timeline: memo value of type %T", v))
	}
}

// jsNumber formats f like JavaScript's Number#toString; non-finite numbers are null in JSON.
func jsNumber(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "null"
	}
	if f == 0 {
		return "0"
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	// Shortest round-trip digits d1d2…dk and exponent: f = 0.d1…dk × 10^n.
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, expStr, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	exp, _ := strconv.Atoi(expStr)
	k, n := len(digits), exp+1
	switch {
	case k <= n && n <= 21:
		return sign + digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		return sign + digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		return sign + "0." + strings.Repeat("0", -n) + digits
	}
	es := "+"
	if n-1 < 0 {
		es = "-"
	}
	m := digits[:1]
	if k > 1 {
		m += "." + digits[1:]
	}
	return sign + m + "e" + es + strconv.Itoa(abs(n-1))
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// writeJSString quotes s like JSON.stringify: only ", \ and control characters are escaped
// (\b \f \n \r \t, others as \u00xx); <, >, &, U+2028 and U+2029 are written as they are.
// Bytes that are not UTF-8 become U+FFFD.
func writeJSString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			b.WriteRune(r) // utf8.RuneError for invalid bytes
		}
	}
	b.WriteByte('"')
}

// EscapeHTML escapes &, <, >, " and ' as bangumi's writer does (lodash escape): &amp; &lt;
// &gt; &quot; &#39;.
func EscapeHTML(s string) string { return htmlEscaper.Replace(s) }

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

// decodeMemo decodes a stored memo as bangumi's readers do: "" is an empty object, a memo
// starting with "a:" is PHP-serialized, anything else is JSON.
func decodeMemo(memo string) (any, error) {
	switch {
	case memo == "":
		return &object{}, nil
	case strings.HasPrefix(memo, "a:"):
		return unserializePHP(memo)
	}
	return decodeJSON(memo)
}

var errTrailing = errors.New("data after the JSON value")

// decodeJSON decodes JSON keeping the order of object keys (JSON.parse: a repeated key keeps
// its first place and its last value); numbers become float64.
func decodeJSON(s string) (any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	v, err := decodeJSONValue(d)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, errTrailing
	}
	return v, nil
}

func decodeJSONValue(d *json.Decoder) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &object{}
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key %v", kt)
				}
				v, err := decodeJSONValue(d)
				if err != nil {
					return nil, err
				}
				o.set(k, v)
			}
			_, err := d.Token() // '}'
			return o, err
		case '[':
			a := []any{}
			for d.More() {
				v, err := decodeJSONValue(d)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := d.Token() // ']'
			return a, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case json.Number:
		f, err := strconv.ParseFloat(t.String(), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) { // out of range: ±Inf, like JSON.parse
			return nil, err
		}
		return f, nil
	default: // string, bool, nil
		return t, nil
	}
}
