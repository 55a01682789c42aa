package ports

import "strconv"

// Tag is the label of whatever was derived from the changed object, the one a cached answer
// carries and TaggedStore.Invalidate takes: "s8" subject 8, "c1" character 1, "p3" person 3,
// "u382951" user 382951; "" for an entity without tags. Every writer of tagged entries and
// every invalidator names objects through it, so the server that caches an answer and the
// canal worker that invalidates it agree on the spelling.
func (c Change) Tag() string {
	var p byte
	switch c.Entity {
	case EntitySubject:
		p = 's'
	case EntityCharacter:
		p = 'c'
	case EntityPerson:
		p = 'p'
	case EntityUser:
		p = 'u'
	default:
		return ""
	}
	b := make([]byte, 0, 11)
	b = append(b, p)
	return string(strconv.AppendUint(b, uint64(c.ID), 10))
}

// Tags returns the tags of changes (Change.Tag), each once, in their first order, without
// the empty ones.
func Tags(changes ...Change) []string {
	out := make([]string, 0, len(changes))
	seen := make(map[string]struct{}, len(changes))
	for _, c := range changes {
		t := c.Tag()
		if t == "" {
			continue
		}
		if _, dup := seen[t]; dup {
			continue
		}
		seen[t] = struct{}{}
		out = append(out, t)
	}
	return out
}
