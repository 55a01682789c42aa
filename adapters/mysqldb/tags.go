package mysqldb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/elliotchance/phpserialize"

	"github.com/bangumi/chii/domain/subject"
)

// decodeTags decodes chii_subject_fields.field_tags: a PHP-serialized array when the bytes
// start with "a:", JSON otherwise. Each element is {tag_name, result, tag_results} with
// numeric strings for the counts; elements whose tag_name is null are dropped and the order
// is kept. An empty column (or JSON null) is no tags. Anything else that does not decode is
// an error.
func decodeTags(raw []byte) ([]subject.Tag, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, nil
	}
	var elems []map[string]any
	if bytes.HasPrefix(raw, []byte("a:")) {
		var err error
		if elems, err = decodePHPTags(raw); err != nil {
			return nil, fmt.Errorf("field_tags: php: %w", err)
		}
	} else {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&elems); err != nil {
			return nil, fmt.Errorf("field_tags: json: %w", err)
		}
	}
	var out []subject.Tag
	for i, e := range elems {
		name, ok, err := tagString(e["tag_name"])
		if err != nil {
			return nil, fmt.Errorf("field_tags: element %d: tag_name: %w", i, err)
		}
		if !ok {
			continue // null (or absent) tag_name
		}
		count, err := tagCount(e["result"])
		if err != nil {
			return nil, fmt.Errorf("field_tags: element %d: result: %w", i, err)
		}
		total, err := tagCount(e["tag_results"])
		if err != nil {
			return nil, fmt.Errorf("field_tags: element %d: tag_results: %w", i, err)
		}
		out = append(out, subject.Tag{Name: name, Count: count, TotalCount: total})
	}
	return out, nil
}

// decodePHPTags unserializes a PHP array of arrays with github.com/elliotchance/phpserialize,
// which does not check bounds on corrupt input: a panic is turned into an error.
func decodePHPTags(raw []byte) (elems []map[string]any, err error) {
	defer func() {
		if r := recover(); r != nil {
			elems, err = nil, fmt.Errorf("corrupt serialized data: %v", r)
		}
	}()
	if !bytes.HasSuffix(raw, []byte("}")) { // the library does not check the closing brace
		return nil, errors.New("corrupt serialized data: no closing brace")
	}
	var values []any
	if list, err := phpserialize.UnmarshalIndexedArray(raw); err == nil {
		values = list // keys 0..n-1 in order: the usual shape
	} else {
		// Keys with gaps decode as a map, which loses the serialized order: order by key
		// (bangumi writes tags with keys 0..n-1, so this only matters for hand-edited rows).
		m, err := phpserialize.UnmarshalAssociativeArray(raw)
		if err != nil {
			return nil, err
		}
		keys := make([]int64, 0, len(m))
		for k := range m {
			ik, ok := k.(int64)
			if !ok {
				return nil, fmt.Errorf("array key %v is not an integer", k)
			}
			keys = append(keys, ik)
		}
		slices.Sort(keys)
		for _, k := range keys {
			values = append(values, m[k])
		}
	}
	elems = make([]map[string]any, 0, len(values))
	for i, v := range values {
		m, ok := v.(map[any]any)
		if !ok {
			if list, isList := v.([]any); isList && len(list) == 0 {
				elems = append(elems, map[string]any{}) // a:0:{} decodes as a list
				continue
			}
			return nil, fmt.Errorf("element %d is %T, want an array", i, v)
		}
		e := make(map[string]any, len(m))
		for k, val := range m {
			if ks, ok := k.(string); ok {
				e[ks] = val
			}
		}
		elems = append(elems, e)
	}
	return elems, nil
}

var errTagType = errors.New("unexpected type")

// tagString reads a tag name: ok is false for null or absent.
func tagString(v any) (s string, ok bool, err error) {
	switch v := v.(type) {
	case nil:
		return "", false, nil
	case string:
		return v, true, nil
	case json.Number:
		return v.String(), true, nil
	case int64:
		return strconv.FormatInt(v, 10), true, nil
	}
	return "", false, fmt.Errorf("%w %T", errTagType, v)
}

// tagCount reads a count stored as a numeric string (or a number); absent, null or "" is 0.
func tagCount(v any) (int, error) {
	switch v := v.(type) {
	case nil:
		return 0, nil
	case string:
		if v == "" {
			return 0, nil
		}
		return strconv.Atoi(v)
	case json.Number:
		return strconv.Atoi(v.String())
	case int64:
		return int(v), nil
	}
	return 0, fmt.Errorf("%w %T", errTagType, v)
}
