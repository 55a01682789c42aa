// Package phpserialize decodes values written by PHP's serialize(), as bangumi stores them in
// legacy columns (chii_timeline.tml_memo, chii_subject_fields.field_tags).
//
// Unmarshal returns one of: nil (N;), bool (b:), int64 (i:), float64 (d:, including NAN, INF and
// -INF), string (s:) or *Array (a: and O:). Strings keep their bytes exactly: s:N counts bytes
// and nothing between the quotes is unescaped. Arrays keep the serialized order of their keys;
// a repeated key keeps its first place and takes the last value, as in PHP and in JavaScript
// (bangumi's two readers).
//
// Supported subset: N, b, i, d, s, a and O. References (r:, R:), custom serializations (C:),
// enums (E:) and escaped strings (S:) are errors, and so is an integer that does not fit in
// int64 (PHP would read it as a float). Nesting deeper than MaxDepth is an error, so corrupt
// input cannot exhaust the stack; no input panics.
//
// Why not github.com/elliotchance/phpserialize (which the project used before): it rewrites
// backslash sequences inside strings (a tag `C:\x41` would not come back as stored), it decodes
// arrays into Go maps and so loses the serialized key order, and on corrupt input it indexes
// past the end and panics (or accepts an array without its closing brace). The tests of this
// package (TestUnmarshal_LibraryDefects) decode each of those inputs correctly here.
package phpserialize

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Value is a decoded value: nil, bool, int64, float64, string or *Array.
type Value = any

// Array is a PHP array (a:) or object (O:): its members in serialized order.
type Array struct {
	// Class is the class name of an object (O:); "" for an array (a:).
	Class string
	// Members are the key => value pairs in serialized order, each key once.
	Members []Member
}

// Member is one key => value pair of an Array. An integer key (i:) is held in decimal, so the
// keys i:7 and s:1:"7" are the same key, as they are for PHP arrays and JavaScript objects.
type Member struct {
	Key   string
	Value Value
}

// Get returns the value of key; ok is false when a has no such key.
func (a *Array) Get(key string) (v Value, ok bool) {
	for _, m := range a.Members {
		if m.Key == key {
			return m.Value, true
		}
	}
	return nil, false
}

// set assigns a[key] = v: a new key goes last, an existing key keeps its place.
func (a *Array) set(key string, v Value) {
	for i := range a.Members {
		if a.Members[i].Key == key {
			a.Members[i].Value = v
			return
		}
	}
	a.Members = append(a.Members, Member{Key: key, Value: v})
}

// MaxDepth is the deepest nesting Unmarshal accepts: the outermost value is at depth 0, the
// members of an array at depth 1, and so on.
const MaxDepth = 64

// Unmarshal decodes s, which must hold exactly one serialized value.
func Unmarshal(s string) (Value, error) {
	p := parser{s: s}
	v, err := p.value(0)
	if err != nil {
		return nil, fmt.Errorf("php unserialize: %w", err)
	}
	if p.i != len(s) {
		return nil, fmt.Errorf("php unserialize: data after the value at offset %d", p.i)
	}
	return v, nil
}

type parser struct {
	s string
	i int
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: "+format, append([]any{p.i}, args...)...)
}

// expect consumes the literal lit.
func (p *parser) expect(lit string) error {
	if !strings.HasPrefix(p.s[p.i:], lit) {
		return p.errorf("want %q", lit)
	}
	p.i += len(lit)
	return nil
}

// until returns the text up to (not including) the byte end, and consumes both.
func (p *parser) until(end byte) (string, error) {
	j := strings.IndexByte(p.s[p.i:], end)
	if j < 0 {
		return "", p.errorf("no %q", end)
	}
	t := p.s[p.i : p.i+j]
	p.i += j + 1
	return t, nil
}

// length reads a non-negative count followed by ':'.
func (p *parser) length() (int, error) {
	t, err := p.until(':')
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < 0 || n > len(p.s) {
		return 0, p.errorf("bad length %q", t)
	}
	return n, nil
}

// str reads `N:"…"` (N bytes between the quotes).
func (p *parser) str() (string, error) {
	n, err := p.length()
	if err != nil {
		return "", err
	}
	if err := p.expect(`"`); err != nil {
		return "", err
	}
	if n > len(p.s)-p.i {
		return "", p.errorf("string of %d bytes runs past the end", n)
	}
	v := p.s[p.i : p.i+n]
	p.i += n
	if err := p.expect(`"`); err != nil {
		return "", err
	}
	return v, nil
}

func (p *parser) value(depth int) (Value, error) {
	if depth > MaxDepth {
		return nil, p.errorf("nested deeper than %d", MaxDepth)
	}
	if p.i+1 >= len(p.s) {
		return nil, p.errorf("unexpected end")
	}
	kind := p.s[p.i]
	if kind == 'N' {
		p.i++
		return nil, p.expect(";")
	}
	p.i++
	if err := p.expect(":"); err != nil {
		return nil, err
	}
	switch kind {
	case 'b':
		t, err := p.until(';')
		if err != nil {
			return nil, err
		}
		switch t {
		case "0":
			return false, nil
		case "1":
			return true, nil
		}
		return nil, p.errorf("bad boolean %q", t)
	case 'i':
		t, err := p.until(';')
		if err != nil {
			return nil, err
		}
		return p.integer(t)
	case 'd':
		t, err := p.until(';')
		if err != nil {
			return nil, err
		}
		return p.float(t)
	case 's':
		v, err := p.str()
		if err != nil {
			return nil, err
		}
		return v, p.expect(";")
	case 'a':
		return p.members("", depth)
	case 'O':
		class, err := p.str()
		if err != nil {
			return nil, err
		}
		if class == "" {
			return nil, p.errorf("object without a class name")
		}
		if err := p.expect(":"); err != nil {
			return nil, err
		}
		return p.members(class, depth)
	}
	return nil, p.errorf("unsupported type %q", kind)
}

// integer reads PHP's [+-]?[0-9]+.
func (p *parser) integer(t string) (int64, error) {
	digits := strings.TrimLeft(t, "+-")
	if len(t)-len(digits) > 1 || !allDigits(digits) {
		return 0, p.errorf("bad integer %q", t)
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return 0, p.errorf("integer %q out of range", t)
	}
	return n, nil
}

// float reads PHP's float grammar: an integer or decimal ("1.", ".5" included), an optional
// exponent, or NAN, INF, -INF. Overflow gives ±Inf, as in PHP.
func (p *parser) float(t string) (float64, error) {
	if !isPHPFloat(t) {
		return 0, p.errorf("bad float %q", t)
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, p.errorf("bad float %q", t)
	}
	return f, nil
}

func isPHPFloat(t string) bool {
	switch t {
	case "NAN", "INF", "-INF":
		return true
	}
	mant, exp, hasExp := strings.Cut(strings.ToLower(t), "e")
	if hasExp {
		e := strings.TrimLeft(exp, "+-")
		if len(exp)-len(e) > 1 || !allDigits(e) {
			return false
		}
	}
	m := strings.TrimLeft(mant, "+-")
	if len(mant)-len(m) > 1 {
		return false
	}
	whole, frac, _ := strings.Cut(m, ".")
	return (whole != "" || frac != "") && (whole == "" || allDigits(whole)) && (frac == "" || allDigits(frac))
}

// allDigits reports whether t is one or more ASCII digits.
func allDigits(t string) bool {
	if t == "" {
		return false
	}
	for i := range len(t) {
		if t[i] < '0' || t[i] > '9' {
			return false
		}
	}
	return true
}

// members reads `N:{key value …}`.
func (p *parser) members(class string, depth int) (*Array, error) {
	n, err := p.length()
	if err != nil {
		return nil, err
	}
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	a := &Array{Class: class, Members: make([]Member, 0, min(n, 16))}
	for range n {
		k, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		var key string
		switch k := k.(type) {
		case int64:
			key = strconv.FormatInt(k, 10)
		case string:
			key = k
		default:
			return nil, p.errorf("array key of type %T", k)
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		a.set(key, v)
	}
	return a, p.expect("}")
}
