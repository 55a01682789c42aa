package revision

import (
	"bytes"
	"cmp"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/bangumi/chii/domain/phpserialize"
)

// MaxInflated bounds the inflated size of a stored text: a corrupt (or hostile) blob cannot
// make a request allocate without bound. bangumi's column is a mediumblob (16 MiB).
const MaxInflated = 64 << 20

// ErrCorrupt is wrapped by Decode's errors: the stored text is not raw DEFLATE of PHP
// serialize() output.
var ErrCorrupt = errors.New("corrupt revision text")

// Entry is the data of one revision in a stored text, by revision id (the decimal key).
type Entry[T any] struct {
	ID    string
	Value T
}

// Character is the data of a character revision (chii_rev_text payload).
type Character struct {
	Name    string // crt_name
	Infobox string // crt_infobox
	// Summary is read from the payload key "summary", as bangumi's server does; the stored
	// payloads name it crt_summary, so it is "" (the recorded answers show it, see N17).
	Summary string
	Extra   Extra
}

// Extra is the payload's extra map; Img is "" when absent.
type Extra struct{ Img string }

// Person is the data of a person revision.
type Person struct {
	Name       string // prsn_name
	Infobox    string // prsn_infobox
	Summary    string // prsn_summary
	Profession Profession
	Extra      Extra
}

// Profession holds the payload's profession flags as stored ("1"), "" when absent.
type Profession struct {
	Writer, Producer, Mangaka, Artist, Seiyu, Illustrator, Actor string
}

// Episode is the data of an episode revision; numbers are converted to decimal strings.
type Episode struct {
	Airdate, Desc, Duration, Name, NameCN, Sort, Type string
}

// errMismatch is a payload value of the wrong type: the whole data is empty (§8.2).
var errMismatch = errors.New("revision payload: value of the wrong type")

// inflate decodes the raw DEFLATE text and its PHP serialization.
func inflate(text []byte) (phpserialize.Value, error) {
	r := flate.NewReader(bytes.NewReader(text))
	defer r.Close()
	raw, err := io.ReadAll(io.LimitReader(r, MaxInflated+1))
	if err != nil {
		return nil, fmt.Errorf("%w: inflate: %w", ErrCorrupt, err)
	}
	if len(raw) > MaxInflated {
		return nil, fmt.Errorf("%w: inflated text over %d bytes", ErrCorrupt, MaxInflated)
	}
	v, err := phpserialize.Unmarshal(string(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return v, nil
}

// decode inflates text and maps every payload of its top-level array with item. A text that
// is not DEFLATE + PHP data is an error wrapping ErrCorrupt. A well-formed text of another
// shape (not an array, a key that is not a revision id, a value of the wrong type) gives no
// entries and no error, as bangumi's server gives no data. Entries are sorted by revision id
// (numerically, N17).
func decode[T any](text []byte, item func(p *phpserialize.Array) (T, error)) ([]Entry[T], error) {
	v, err := inflate(text)
	if err != nil {
		return nil, err
	}
	top, ok := v.(*phpserialize.Array)
	if !ok {
		return nil, nil
	}
	out := make([]Entry[T], 0, len(top.Members))
	ids := make(map[string]uint64, len(top.Members))
	for _, m := range top.Members {
		id, err := strconv.ParseUint(m.Key, 10, 32)
		if err != nil || strconv.FormatUint(id, 10) != m.Key { // "007" is not revision 7
			return nil, nil
		}
		var value T
		switch p := m.Value.(type) {
		case nil: // N: a revision with no data
		case *phpserialize.Array:
			if value, err = item(p); err != nil {
				return nil, nil
			}
		default:
			return nil, nil
		}
		ids[m.Key] = id
		out = append(out, Entry[T]{ID: m.Key, Value: value})
	}
	slices.SortFunc(out, func(a, b Entry[T]) int { return cmp.Compare(ids[a.ID], ids[b.ID]) })
	return out, nil
}

// DecodeCharacters decodes the stored text of a character revision.
func DecodeCharacters(text []byte) ([]Entry[Character], error) {
	return decode(text, func(p *phpserialize.Array) (c Character, err error) {
		c.Name, err = str(p, "crt_name", err)
		c.Infobox, err = str(p, "crt_infobox", err)
		c.Summary, err = str(p, "summary", err)
		c.Extra, err = extra(p, err)
		return c, err
	})
}

// DecodePersons decodes the stored text of a person revision.
func DecodePersons(text []byte) ([]Entry[Person], error) {
	return decode(text, func(p *phpserialize.Array) (v Person, err error) {
		v.Name, err = str(p, "prsn_name", err)
		v.Infobox, err = str(p, "prsn_infobox", err)
		v.Summary, err = str(p, "prsn_summary", err)
		v.Extra, err = extra(p, err)
		if err != nil {
			return v, err
		}
		switch prof := get(p, "profession").(type) {
		case nil:
		case *phpserialize.Array:
			pr := &v.Profession
			pr.Writer, err = str(prof, "writer", err)
			pr.Producer, err = str(prof, "producer", err)
			pr.Mangaka, err = str(prof, "mangaka", err)
			pr.Artist, err = str(prof, "artist", err)
			pr.Seiyu, err = str(prof, "seiyu", err)
			pr.Illustrator, err = str(prof, "illustrator", err)
			pr.Actor, err = str(prof, "actor", err)
		default:
			err = errMismatch
		}
		return v, err
	})
}

// DecodeEpisodes decodes the stored text of an episode revision.
func DecodeEpisodes(text []byte) ([]Entry[Episode], error) {
	return decode(text, func(p *phpserialize.Array) (e Episode, err error) {
		e.Sort, err = scalar(p, "ep_sort", err)
		e.Type, err = scalar(p, "ep_type", err)
		e.Name, err = scalar(p, "ep_name", err)
		e.NameCN, err = scalar(p, "ep_name_cn", err)
		e.Duration, err = scalar(p, "ep_duration", err)
		e.Airdate, err = scalar(p, "ep_airdate", err)
		e.Desc, err = scalar(p, "ep_desc", err)
		return e, err
	})
}

func get(p *phpserialize.Array, key string) phpserialize.Value {
	v, _ := p.Get(key)
	return v
}

// str reads a string member ("" when absent or null); another type is errMismatch. It
// passes a previous error through, so a payload's fields read in a row.
func str(p *phpserialize.Array, key string, err error) (string, error) {
	if err != nil {
		return "", err
	}
	switch v := get(p, key).(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	}
	return "", errMismatch
}

// scalar reads a string member, converting PHP numbers to decimal strings (d:1 ⇒ "1").
func scalar(p *phpserialize.Array, key string, err error) (string, error) {
	if err != nil {
		return "", err
	}
	switch v := get(p, key).(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	}
	return "", errMismatch
}

// extra reads the extra map: one that is not a map is an empty Extra.
func extra(p *phpserialize.Array, err error) (Extra, error) {
	if err != nil {
		return Extra{}, err
	}
	m, ok := get(p, "extra").(*phpserialize.Array)
	if !ok {
		return Extra{}, nil
	}
	img, err := str(m, "img", nil)
	return Extra{Img: img}, err
}
