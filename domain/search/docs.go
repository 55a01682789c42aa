package search

import (
	"strings"
	"time"

	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/wiki"
)

// The documents of the index (search spec §5), built from domain entities as bangumi's CDC
// worker builds them. An entity that must not be in the index (merged, or a banned subject)
// gives index == false: the caller deletes its id from the index instead of writing it.

// Infobox keys the aliases are read from.
const (
	keyAlias      = "别名"
	keyChinese    = "中文名"
	keySimplified = "简体中文名"
)

// SubjectDocument builds a subject's document (search spec §5.1). index is false for a merged
// subject (Redirect != 0) or a banned or locked one (Ban != 0); doc then holds only the id.
//
//   - tag: the tag names in stored order (tags with a null name never reach the domain; an
//     empty name is kept); omitted when there are none.
//   - meta_tag: MetaTagsField split on single spaces keeping the empty parts, so an empty
//     column gives [""].
//   - aliases: NameCN when non-empty, then the values of every 别名 infobox field (see
//     infoboxValues); omitted when empty. An infobox with a syntax error gives no values.
//   - date: the date as YYYYMMDD, 0 (omitted) when unknown.
//   - score, rating_count, page_rank, rank: from s.Rating(), so a subject without votes has
//     score 0 and rank 0 whatever its stored rank.
//   - heat: the collection total.
func SubjectDocument(s subject.Subject) (doc SubjectDoc, index bool) {
	if s.Redirect != 0 || s.Ban != 0 {
		return SubjectDoc{ID: s.ID}, false
	}
	var tags []string
	for _, t := range s.Tags {
		tags = append(tags, t.Name)
	}
	var aliases []string
	if s.NameCN != "" {
		aliases = append(aliases, s.NameCN)
	}
	for _, f := range infoboxFields(s.Infobox) {
		if f.Key == keyAlias {
			aliases = append(aliases, infoboxValues(f)...)
		}
	}
	r := s.Rating()
	return SubjectDoc{
		ID:          s.ID,
		Tag:         tags,
		MetaTag:     strings.Split(s.MetaTagsField, " "),
		Name:        s.Name,
		Aliases:     aliases,
		Date:        dateNumber(s.Date),
		Score:       r.Score,
		RatingCount: r.Total,
		PageRank:    float64(r.Total),
		Heat:        s.Collection.Total(),
		Rank:        r.Rank,
		Platform:    s.Platform,
		Type:        s.Type,
		NSFW:        s.NSFW,
	}, true
}

// CharacterDocument builds a character's document (search spec §5.2). index is false for a
// merged character (Redirect != 0); doc then holds only the id. Banned characters are indexed.
// aliases: see monoAliases.
func CharacterDocument(c character.Character) (CharacterDoc, bool) {
	if c.Redirect != 0 {
		return CharacterDoc{ID: c.ID}, false
	}
	return CharacterDoc{
		ID:      c.ID,
		Name:    c.Name,
		Aliases: monoAliases(c.Infobox),
		Comment: c.Comments,
		Collect: c.Collects,
		NSFW:    c.NSFW,
	}, true
}

// PersonDocument builds a person's document (search spec §5.3). index is false for a merged
// person (Redirect != 0); doc then holds only the id. aliases: see monoAliases; career: the
// career names in bangumi's order, omitted when there are none.
func PersonDocument(p person.Person) (PersonDoc, bool) {
	if p.Redirect != 0 {
		return PersonDoc{ID: p.ID}, false
	}
	var careers []string
	if names := p.Career.Names(); len(names) > 0 {
		careers = names
	}
	return PersonDoc{
		ID:      p.ID,
		Name:    p.Name,
		Aliases: monoAliases(p.Infobox),
		Comment: p.Comments,
		Collect: p.Collects,
		Career:  careers,
	}, true
}

// monoAliases are a character's or person's aliases: the values of the 中文名 and 简体中文名
// infobox fields in infobox order (the two keys interleaved as they come), then the values of
// the 别名 fields; nil when there are none.
func monoAliases(infobox string) []string {
	fields := infoboxFields(infobox)
	var aliases []string
	for _, f := range fields {
		if f.Key == keyChinese || f.Key == keySimplified {
			aliases = append(aliases, infoboxValues(f)...)
		}
	}
	for _, f := range fields {
		if f.Key == keyAlias {
			aliases = append(aliases, infoboxValues(f)...)
		}
	}
	return aliases
}

// infoboxFields parses an infobox; a syntax error gives no fields (bangumi's ParseOmitError).
func infoboxFields(raw string) []wiki.Field {
	w, err := wiki.Parse(raw)
	if err != nil {
		return nil
	}
	return w.Fields
}

// infoboxValues are the values of a field as bangumi indexes them: nothing for a null field,
// the value of a scalar field, every item's value of an array field (empty ones included).
func infoboxValues(f wiki.Field) []string {
	switch {
	case f.Null:
		return nil
	case f.Array:
		out := make([]string, len(f.Values))
		for i, it := range f.Values {
			out[i] = it.Value
		}
		return out
	}
	return []string{f.Value}
}

// dateNumber is t as YYYYMMDD, 0 for the zero time.
func dateNumber(t time.Time) int {
	if t.IsZero() {
		return 0
	}
	y, m, d := t.Date()
	return y*10000 + int(m)*100 + d
}
