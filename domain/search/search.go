// Package search holds the rules of search: the documents indexed for subjects, characters and
// persons (bangumi's index shapes, search spec §5), the queries the /v0/search endpoints make
// (a filter of AND-ed clauses of OR-ed conditions, a sort, a page), and how a request becomes a
// query (validation with bangumi's 400 messages, the NSFW rule D3).
//
// An index adapter (ports.SearchIndex) stores documents and answers queries; it knows nothing of
// requests. The documents are plain values with bangumi's JSON field names, so the Meilisearch
// adapter can send them as they are.
package search

import "fmt"

// Kind is the kind of object an index holds.
type Kind uint8

// The three indexes.
const (
	KindSubject Kind = iota + 1
	KindCharacter
	KindPerson
)

// Kinds lists every kind, in a fixed order.
var Kinds = []Kind{KindSubject, KindCharacter, KindPerson}

// String is the index name bangumi uses (Meilisearch index uid): subjects, characters, persons.
func (k Kind) String() string {
	switch k {
	case KindSubject:
		return "subjects"
	case KindCharacter:
		return "characters"
	case KindPerson:
		return "persons"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, bool) {
	for _, k := range Kinds {
		if k.String() == s {
			return k, true
		}
	}
	return 0, false
}

// SubjectDoc is a subject's document (search spec §5.1), field for field bangumi's.
type SubjectDoc struct {
	ID          uint32   `json:"id"`
	Tag         []string `json:"tag,omitempty"`
	MetaTag     []string `json:"meta_tag"`
	Name        string   `json:"name"`
	Aliases     []string `json:"aliases,omitempty"`
	Date        int      `json:"date,omitempty"` // YYYYMMDD, 0 = unknown
	Score       float64  `json:"score"`
	RatingCount uint32   `json:"rating_count"`
	PageRank    float64  `json:"page_rank"`
	Heat        uint32   `json:"heat"`
	Rank        uint32   `json:"rank"` // 0 = unranked
	Platform    uint16   `json:"platform,omitempty"`
	Type        uint8    `json:"type"`
	NSFW        bool     `json:"nsfw"`
}

// CharacterDoc is a character's document (search spec §5.2).
type CharacterDoc struct {
	ID      uint32   `json:"id"`
	Name    string   `json:"name"`
	Aliases []string `json:"aliases,omitempty"`
	Comment uint32   `json:"comment"`
	Collect uint32   `json:"collect"`
	NSFW    bool     `json:"nsfw"`
}

// PersonDoc is a person's document (search spec §5.3).
type PersonDoc struct {
	ID      uint32   `json:"id"`
	Name    string   `json:"name"`
	Aliases []string `json:"aliases,omitempty"`
	Comment uint32   `json:"comment"`
	Collect uint32   `json:"collect"`
	Career  []string `json:"career,omitempty"`
}

// Documents is a batch of whole documents of any kinds. Writing a document replaces the stored
// one with the same kind and id entirely (decision D4: no field of an older version survives).
type Documents struct {
	Subjects   []SubjectDoc
	Characters []CharacterDoc
	Persons    []PersonDoc
}

// Len is the number of documents in the batch.
func (d Documents) Len() int { return len(d.Subjects) + len(d.Characters) + len(d.Persons) }

// Filterable fields, by kind (bangumi's filterableAttributes).
const (
	FieldTag         = "tag"          // subjects, string
	FieldMetaTag     = "meta_tag"     // subjects, string
	FieldDate        = "date"         // subjects, number YYYYMMDD
	FieldScore       = "score"        // subjects, number
	FieldRatingCount = "rating_count" // subjects, number
	FieldRank        = "rank"         // subjects, number
	FieldType        = "type"         // subjects, number
	FieldNSFW        = "nsfw"         // subjects and characters, bool
	FieldCareer      = "career"       // persons, string
)

// Filterable reports whether field may appear in a condition of a query of kind k.
func Filterable(k Kind, field string) bool {
	switch k {
	case KindSubject:
		switch field {
		case FieldTag, FieldMetaTag, FieldDate, FieldScore, FieldRatingCount, FieldRank, FieldType, FieldNSFW:
			return true
		}
	case KindCharacter:
		return field == FieldNSFW
	case KindPerson:
		return field == FieldCareer
	}
	return false
}

// Op compares a document's field with a condition's value.
type Op uint8

// Comparison operators. For a field holding a list (tag, meta_tag, career), Eq holds when any
// element equals the value; the other operators apply to numbers only.
const (
	Eq Op = iota + 1
	Gt
	Ge
	Lt
	Le
)

// String is the operator as Meilisearch's filter syntax writes it.
func (o Op) String() string {
	switch o {
	case Eq:
		return "="
	case Gt:
		return ">"
	case Ge:
		return ">="
	case Lt:
		return "<"
	case Le:
		return "<="
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// ValueKind says which of a Value's fields holds it.
type ValueKind uint8

// The kinds of value a condition compares with.
const (
	ValueString ValueKind = iota + 1
	ValueNumber
	ValueBool
)

// Value is a string, a number or a bool.
type Value struct {
	Kind ValueKind
	Str  string
	Num  float64
	Bool bool
}

// String returns a string value.
func String(s string) Value { return Value{Kind: ValueString, Str: s} }

// Number returns a number value.
func Number(n float64) Value { return Value{Kind: ValueNumber, Num: n} }

// Bool returns a bool value.
func Bool(b bool) Value { return Value{Kind: ValueBool, Bool: b} }

// Cond is one condition on one field.
type Cond struct {
	Field string
	Op    Op
	Value Value
}

// Clause holds when at least one of its conditions holds. An empty clause never holds.
type Clause []Cond

// Filter holds when every clause holds; the empty filter holds for every document.
type Filter []Clause

// Sort is the order of the hits.
type Sort uint8

// Sorts. Every order ends with the document id ascending as the final tie-breaker.
//   - SortMatch: by relevance to the keyword (no keyword: by id).
//   - SortHeat: heat descending.
//   - SortScore: score descending.
//   - SortRank: rank ascending, unranked subjects (rank 0) after every ranked one (decision D5).
//
// With a keyword, an index may rank relevance before the sort key: Meilisearch with bangumi's
// ranking rules does ("sort" comes after the relevance rules); the embedded index orders by the
// sort key. Without a keyword the sort key decides on both.
const (
	SortMatch Sort = iota
	SortHeat
	SortScore
	SortRank
)

// String is the request's name of the sort ("match" for SortMatch).
func (s Sort) String() string {
	switch s {
	case SortMatch:
		return "match"
	case SortHeat:
		return "heat"
	case SortScore:
		return "score"
	case SortRank:
		return "rank"
	}
	return fmt.Sprintf("Sort(%d)", uint8(s))
}

// Query is one search: the documents of Kind that match Keyword (every document when it is
// empty) and Filter, in Sort order, the page [Offset, Offset+Limit).
type Query struct {
	Kind    Kind
	Keyword string
	Filter  Filter
	Sort    Sort
	Limit   int
	Offset  int
}

// Result is a page of hits: their ids in order, and how many documents match in all (an
// estimate on Meilisearch, exact on the embedded index).
type Result struct {
	IDs   []uint32
	Total int64
}
