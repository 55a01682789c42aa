package search

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bangumi/chii/domain"
)

// How a request becomes a Query (search spec §2–§4, decision D3).
//
// Checks run in this order and the first failure is the error, always wrapping domain.ErrInvalid
// with a client-safe message (bangumi's text where bangumi has one):
//
//  1. the keyword: trimmed of surrounding white space (unicode.IsSpace), then at most
//     MaxKeywordRunes characters (an invalid UTF-8 byte counts as one); the trimmed keyword is
//     passed to the index as it is;
//  2. the number of values of each filter key, in the table order of spec §2.2, at most
//     MaxFilterValues each;
//  3. each filter value, in the table order of spec §2.2 (air_date, rank, rating, rating_count;
//     the other keys take any value), bangumi's messages with the value Go-quoted;
//  4. the sort (subjects only): "sort not supported".
//
// The filter's clauses come in the order of spec §2.2: one per air_date value, one OR-ing every
// type, the NSFW clauses (D3), one per meta tag, one per tag, one per rank, rating and
// rating_count value.

// The patterns bangumi checks rank, rating_count (int) and rating (float) filters with. Go's \d
// is ASCII only.
var (
	intFilter   = regexp.MustCompile(`^(?:>|<|>=|<=|=) *\d+$`)
	floatFilter = regexp.MustCompile(`^(?:>|<|>=|<=|=) *\d+(?:\.\d+)?$`)
)

// The patterns as bangumi's messages print them; the rating's differs from the real pattern
// (`\d)?$` instead of `\d+)?$`), as in bangumi.
const (
	intFilterText   = `"^(>|<|>=|<=|=) *\d+$"`
	floatFilterText = `"^(>|<|>=|<=|=) *\d+(\.\d)?$"`
)

// SubjectQuery validates a POST /v0/search/subjects body and builds its query. allowNSFW is
// whether the viewer may see NSFW subjects; limit and offset are copied as they are (the caller
// validated them).
//
// NSFW (decision D3): filter.nsfw absent shows everything to a viewer allowed NSFW and only
// non-NSFW subjects to any other; true shows only NSFW subjects to a viewer allowed NSFW and
// nothing to any other (two clauses no document can satisfy together); false shows only
// non-NSFW subjects.
func SubjectQuery(r SubjectRequest, allowNSFW bool, limit, offset int) (Query, error) {
	keyword, err := checkKeyword(r.Keyword)
	if err != nil {
		return Query{}, err
	}
	f := r.Filter
	if err := checkCounts(
		filterKey{"air_date", len(f.AirDate)},
		filterKey{"type", len(f.Type)},
		filterKey{"meta_tags", len(f.MetaTags)},
		filterKey{"tag", len(f.Tag)},
		filterKey{"rank", len(f.Rank)},
		filterKey{"rating", len(f.Rating)},
		filterKey{"rating_count", len(f.RatingCount)},
	); err != nil {
		return Query{}, err
	}

	var filter Filter
	for _, v := range f.AirDate {
		c, err := dateCond(v)
		if err != nil {
			return Query{}, err
		}
		filter = append(filter, Clause{c})
	}
	if len(f.Type) > 0 {
		types := make(Clause, 0, len(f.Type))
		for _, t := range f.Type {
			types = append(types, Cond{Field: FieldType, Op: Eq, Value: Number(float64(t))})
		}
		filter = append(filter, types)
	}
	filter = append(filter, nsfwClauses(f.NSFW, allowNSFW)...)
	for _, v := range f.MetaTags {
		filter = append(filter, Clause{{Field: FieldMetaTag, Op: Eq, Value: String(v)}})
	}
	for _, v := range f.Tag {
		filter = append(filter, Clause{{Field: FieldTag, Op: Eq, Value: String(v)}})
	}
	for _, c := range []struct {
		values  []string
		name    string // in the message
		field   string
		pattern *regexp.Regexp
		text    string
	}{
		{f.Rank, "rank", FieldRank, intFilter, intFilterText},
		{f.Rating, "score", FieldScore, floatFilter, floatFilterText},
		{f.RatingCount, "rating_count", FieldRatingCount, intFilter, intFilterText},
	} {
		for _, v := range c.values {
			if !c.pattern.MatchString(v) {
				return Query{}, domain.Errorf(domain.ErrInvalid, "invalid %s filter: %s, should be in the format of %s",
					c.name, strconv.Quote(v), c.text)
			}
			filter = append(filter, Clause{numberCond(c.field, v)})
		}
	}

	sort, err := parseSort(r.Sort)
	if err != nil {
		return Query{}, err
	}
	return Query{Kind: KindSubject, Keyword: keyword, Filter: filter, Sort: sort, Limit: limit, Offset: offset}, nil
}

// CharacterQuery validates a POST /v0/search/characters body and builds its query, with the
// same NSFW rule (D3) as SubjectQuery. Characters have no sort option: the query sorts by
// relevance (SortMatch).
func CharacterQuery(r CharacterRequest, allowNSFW bool, limit, offset int) (Query, error) {
	keyword, err := checkKeyword(r.Keyword)
	if err != nil {
		return Query{}, err
	}
	var filter Filter
	filter = append(filter, nsfwClauses(r.NSFW, allowNSFW)...)
	return Query{Kind: KindCharacter, Keyword: keyword, Filter: filter, Sort: SortMatch, Limit: limit, Offset: offset}, nil
}

// PersonQuery validates a POST /v0/search/persons body and builds its query: one clause
// career = "<v>" per career (AND). Persons have no NSFW rule and no sort option.
func PersonQuery(r PersonRequest, limit, offset int) (Query, error) {
	keyword, err := checkKeyword(r.Keyword)
	if err != nil {
		return Query{}, err
	}
	if err := checkCounts(filterKey{"career", len(r.Career)}); err != nil {
		return Query{}, err
	}
	var filter Filter
	for _, v := range r.Career {
		filter = append(filter, Clause{{Field: FieldCareer, Op: Eq, Value: String(v)}})
	}
	return Query{Kind: KindPerson, Keyword: keyword, Filter: filter, Sort: SortMatch, Limit: limit, Offset: offset}, nil
}

// checkKeyword trims the keyword and checks its length.
func checkKeyword(s string) (string, error) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > MaxKeywordRunes {
		return "", domain.Errorf(domain.ErrInvalid, "keyword is too long: at most %d characters", MaxKeywordRunes)
	}
	return s, nil
}

type filterKey struct {
	name string // the request's JSON key
	n    int
}

// checkCounts fails on the first key with more than MaxFilterValues values.
func checkCounts(keys ...filterKey) error {
	for _, k := range keys {
		if k.n > MaxFilterValues {
			return domain.Errorf(domain.ErrInvalid, "too many values in filter.%s: at most %d", k.name, MaxFilterValues)
		}
	}
	return nil
}

// nsfwClauses is decision D3 as clauses on the nsfw field.
func nsfwClauses(nsfw *bool, allowNSFW bool) []Clause {
	onlyNSFW := Clause{{Field: FieldNSFW, Op: Eq, Value: Bool(true)}}
	noNSFW := Clause{{Field: FieldNSFW, Op: Eq, Value: Bool(false)}}
	switch {
	case nsfw == nil && allowNSFW:
		return nil
	case nsfw == nil, !*nsfw:
		return []Clause{noNSFW}
	case allowNSFW:
		return []Clause{onlyNSFW}
	default:
		// NSFW only, for a viewer who may not see NSFW: nothing.
		return []Clause{onlyNSFW, noNSFW}
	}
}

// dateOps are the operators an air_date value may start with, longest first. No operator
// means Eq; a leading "=" is not accepted.
var dateOps = []struct {
	prefix string
	op     Op
}{
	{">=", Ge}, {">", Gt}, {"<=", Le}, {"<", Lt},
}

// dateCond parses an air_date value: an optional operator, then YYYY-MM-DD (digits and dashes
// only, no space after the operator; anything after the tenth character is ignored). The
// number compared is YYYY*10000+MM*100+DD, unchecked (month 13 passes, as in bangumi).
func dateCond(v string) (Cond, error) {
	op, prefix, rest := Eq, "", v
	for _, o := range dateOps {
		if r, ok := strings.CutPrefix(v, o.prefix); ok {
			op, prefix, rest = o.op, o.prefix, r
			break
		}
	}
	n, ok := parseDate(rest)
	if !ok {
		format := "YYYY-MM-DD"
		if prefix != "" {
			format = prefix + " " + format
		}
		return Cond{}, domain.Errorf(domain.ErrInvalid, "invalid date filter: %s, date should be in the format of %q",
			strconv.Quote(v), format)
	}
	return Cond{Field: FieldDate, Op: op, Value: Number(float64(n))}, nil
}

// parseDate reads DDDD-DD-DD at the start of s as YYYYMMDD.
func parseDate(s string) (int, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return 0, false
	}
	return y*10000 + m*100 + d, true
}

// digits reads a string of ASCII digits.
func digits(s string) (int, bool) {
	n := 0
	for i := range len(s) {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// numOps are the operators a rank, rating or rating_count value starts with, longest first.
var numOps = []struct {
	prefix string
	op     Op
}{
	{">=", Ge}, {"<=", Le}, {">", Gt}, {"<", Lt}, {"=", Eq},
}

// numberCond reads a value that matched intFilter or floatFilter: an operator, spaces, a
// non-negative decimal number. A number too large for a float64 becomes math.MaxFloat64,
// which compares with every field value the same way (a field never holds more).
func numberCond(field, v string) Cond {
	op, rest := Eq, v
	for _, o := range numOps {
		if r, ok := strings.CutPrefix(v, o.prefix); ok {
			op, rest = o.op, r
			break
		}
	}
	// The pattern leaves ParseFloat no error but ErrRange: +Inf on overflow (0 on underflow).
	n, _ := strconv.ParseFloat(strings.TrimLeft(rest, " "), 64)
	if math.IsInf(n, 1) {
		n = math.MaxFloat64
	}
	return Cond{Field: field, Op: op, Value: Number(n)}
}

// parseSort reads a subject request's sort.
func parseSort(s string) (Sort, error) {
	switch s {
	case "", "match":
		return SortMatch, nil
	case "heat":
		return SortHeat, nil
	case "score":
		return SortScore, nil
	case "rank":
		return SortRank, nil
	}
	return 0, domain.Errorf(domain.ErrInvalid, "sort not supported")
}
