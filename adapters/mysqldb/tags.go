package mysqldb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/bangumi/chii/domain/phpserialize"
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

// decodePHPTags reads a PHP array of arrays in its serialized order (as bangumi's PHP and
// TypeScript readers iterate it, whatever the keys); tag names keep their bytes exactly.
func decodePHPTags(raw []byte) ([]map[string]any, error) {
	v, err := phpserialize.Unmarshal(string(raw))
	if err != nil {
		return nil, err
	}
	list, ok := v.(*phpserialize.Array)
	if !ok {
		return nil, fmt.Errorf("value is %T, want an array", v)
	}
	elems := make([]map[string]any, 0, len(list.Members))
	for _, m := range list.Members {
		a, ok := m.Value.(*phpserialize.Array)
		if !ok {
			return nil, fmt.Errorf("element %q is %T, want an array", m.Key, m.Value)
		}
		e := make(map[string]any, len(a.Members))
		for _, f := range a.Members {
			e[f.Key] = f.Value
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
