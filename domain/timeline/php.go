package timeline

import "github.com/bangumi/chii/domain/phpserialize"

// unserializePHP decodes a PHP-serialized memo into memo values (see memo.go), as bangumi's
// TypeScript readers do: arrays and objects become objects whose keys keep the serialized
// order (integer keys as decimal strings), integers and floats become numbers, strings keep
// their bytes exactly. The decoder and its limits: package phpserialize.
func unserializePHP(s string) (any, error) {
	v, err := phpserialize.Unmarshal(s)
	if err != nil {
		return nil, err
	}
	return fromPHP(v), nil
}

// fromPHP converts a decoded PHP value into a memo value.
func fromPHP(v phpserialize.Value) any {
	switch v := v.(type) {
	case int64:
		return float64(v)
	case *phpserialize.Array:
		o := &object{members: make([]member, 0, len(v.Members))}
		for _, m := range v.Members { // keys are unique already
			o.members = append(o.members, member{key: m.Key, val: fromPHP(m.Value)})
		}
		return o
	}
	return v // nil, bool, float64 or string
}
