package wiki

import (
	"bytes"
	"encoding/json"
)

// InfoboxEntry is one entry of the infobox the API emits: a scalar
// {"key": k, "value": "s"} or, when Array is true, an array
// {"key": k, "value": [{"k": ik, "v": iv}, {"v": iv}]}.
type InfoboxEntry struct {
	Key string
	// Value is the non-empty value of a scalar entry; "" for arrays.
	Value string
	// Values are the items of an array entry, each with a non-empty Value;
	// non-nil (possibly empty) when Array is true, nil otherwise.
	Values []Item
	Array  bool
}

// Infobox parses raw and applies the API's "non-zero" filtering:
//   - null fields are dropped;
//   - array fields without items are dropped;
//   - array items with an empty value are dropped (even with a key); an array
//     whose items were all dropped is kept with no values.
//
// Order and duplicate keys are preserved. On a syntax error (or an empty
// text) it returns an empty, non-nil slice.
func Infobox(raw string) []InfoboxEntry {
	w, err := Parse(raw)
	if err != nil {
		return []InfoboxEntry{}
	}
	out := make([]InfoboxEntry, 0, len(w.Fields))
	for _, f := range w.Fields {
		switch {
		case f.Null:
		case f.Array:
			if len(f.Values) == 0 {
				continue
			}
			out = append(out, InfoboxEntry{Key: f.Key, Values: nonEmptyItems(f.Values), Array: true})
		default:
			out = append(out, InfoboxEntry{Key: f.Key, Value: f.Value})
		}
	}
	return out
}

// nonEmptyItems returns the items with a non-empty value, never nil. It
// returns items itself when nothing is dropped.
func nonEmptyItems(items []Item) []Item {
	n := 0
	for _, it := range items {
		if it.Value != "" {
			n++
		}
	}
	if n == len(items) {
		return items
	}
	kept := make([]Item, 0, n)
	for _, it := range items {
		if it.Value != "" {
			kept = append(kept, it)
		}
	}
	return kept
}

type itemJSON struct {
	K string `json:"k,omitempty"`
	V string `json:"v"`
}

// MarshalJSON encodes the entry in the API shape: {"key":k,"value":"s"} or
// {"key":k,"value":[{"k":..,"v":..},{"v":..}]} ("k" omitted when empty).
// It does not escape HTML characters, leaving that choice to the caller's
// encoder.
func (e InfoboxEntry) MarshalJSON() ([]byte, error) {
	var value any = e.Value
	if e.Array {
		items := make([]itemJSON, len(e.Values))
		for i, it := range e.Values {
			items[i] = itemJSON{K: it.Key, V: it.Value}
		}
		value = items
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(struct {
		Key   string `json:"key"`
		Value any    `json:"value"`
	}{e.Key, value})
	if err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}
