package timeline

import (
	"fmt"
	"strconv"
	"strings"
)

// unserializePHP decodes a value written by PHP's serialize() into memo values (see memo.go),
// as bangumi's TypeScript readers do: arrays and objects become objects whose keys keep the
// serialized order (integer keys as decimal strings), integers and floats become numbers,
// strings keep their bytes exactly (s:N counts bytes; nothing inside is unescaped).
// References (r:, R:) and custom serializations (C:) are not supported. The whole input must
// be one value.
func unserializePHP(s string) (any, error) {
	p := phpParser{s: s}
	v, err := p.value(0)
	if err != nil {
		return nil, fmt.Errorf("php unserialize: %w", err)
	}
	if p.i != len(s) {
		return nil, fmt.Errorf("php unserialize: data after the value at offset %d", p.i)
	}
	return v, nil
}

// phpMaxDepth bounds nesting, so corrupt input cannot exhaust the stack.
const phpMaxDepth = 64

type phpParser struct {
	s string
	i int
}

func (p *phpParser) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: "+format, append([]any{p.i}, args...)...)
}

// expect consumes the literal lit.
func (p *phpParser) expect(lit string) error {
	if !strings.HasPrefix(p.s[p.i:], lit) {
		return p.errorf("want %q", lit)
	}
	p.i += len(lit)
	return nil
}

// until returns the text up to (not including) the byte end, and consumes both.
func (p *phpParser) until(end byte) (string, error) {
	j := strings.IndexByte(p.s[p.i:], end)
	if j < 0 {
		return "", p.errorf("no %q", end)
	}
	t := p.s[p.i : p.i+j]
	p.i += j + 1
	return t, nil
}

// length reads a non-negative count followed by ':'.
func (p *phpParser) length() (int, error) {
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
func (p *phpParser) str() (string, error) {
	n, err := p.length()
	if err != nil {
		return "", err
	}
	if err := p.expect(`"`); err != nil {
		return "", err
	}
	if p.i+n > len(p.s) {
		return "", p.errorf("string of %d bytes runs past the end", n)
	}
	v := p.s[p.i : p.i+n]
	p.i += n
	if err := p.expect(`"`); err != nil {
		return "", err
	}
	return v, nil
}

func (p *phpParser) value(depth int) (any, error) {
	if depth > phpMaxDepth {
		return nil, p.errorf("nested deeper than %d", phpMaxDepth)
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
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			return nil, p.errorf("bad integer %q", t)
		}
		return float64(n), nil
	case 'd':
		t, err := p.until(';')
		if err != nil {
			return nil, err
		}
		f, err := strconv.ParseFloat(t, 64) // also NAN, INF, -INF
		if err != nil {
			return nil, p.errorf("bad float %q", t)
		}
		return f, nil
	case 's':
		v, err := p.str()
		if err != nil {
			return nil, err
		}
		return v, p.expect(";")
	case 'a':
		return p.members(depth)
	case 'O':
		if _, err := p.str(); err != nil { // class name
			return nil, err
		}
		if err := p.expect(":"); err != nil {
			return nil, err
		}
		return p.members(depth)
	}
	return nil, p.errorf("unsupported type %q", kind)
}

// members reads `N:{key value …}` into an object.
func (p *phpParser) members(depth int) (*object, error) {
	n, err := p.length()
	if err != nil {
		return nil, err
	}
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	o := &object{}
	for range n {
		k, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		var key string
		switch k := k.(type) {
		case float64:
			key = strconv.FormatInt(int64(k), 10)
		case string:
			key = k
		default:
			return nil, p.errorf("array key of type %T", k)
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		o.set(key, v)
	}
	return o, p.expect("}")
}
