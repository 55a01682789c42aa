package search

// The request side: what a /v0/search body asks for, and how it becomes a Query.
// The HTTP adapter decodes the JSON body into these types (its own body types convert to them)
// and reads limit and offset with the soft pagination helper before calling the *Query functions.

// Limits on a request, so that a huge body cannot become a huge query (a 400, not a 500).
const (
	// MaxKeywordRunes is the longest keyword accepted, in characters, counted after the
	// surrounding white space is trimmed (an invalid UTF-8 byte counts as one).
	MaxKeywordRunes = 256
	// MaxFilterValues is the most values one filter key may hold.
	MaxFilterValues = 64
)

// SubjectFilter is the filter of POST /v0/search/subjects.
type SubjectFilter struct {
	Type        []uint8
	Tag         []string
	AirDate     []string
	Rating      []string
	RatingCount []string
	Rank        []string
	MetaTags    []string
	NSFW        *bool
}

// SubjectRequest is the body of POST /v0/search/subjects. Keyword is searched trimmed of
// surrounding white space. Sort is the request's text ("" or "match", "heat", "rank", "score").
type SubjectRequest struct {
	Keyword string
	Sort    string
	Filter  SubjectFilter
}

// CharacterRequest is the body of POST /v0/search/characters.
type CharacterRequest struct {
	Keyword string
	NSFW    *bool
}

// PersonRequest is the body of POST /v0/search/persons.
type PersonRequest struct {
	Keyword string
	Career  []string
}
