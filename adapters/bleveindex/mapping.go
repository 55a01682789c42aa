package bleveindex

import (
	"fmt"
	"math"
	"strconv"
	"unicode"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/single"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"

	"github.com/bangumi/chii/domain/search"
)

// schemaVersion names the mapping below. An index directory written with another version is
// dropped and created anew by Open (it is derived data; an empty index is what makes the indexer
// rebuild it, search spec §6). Bump it whenever the mapping or the document shape changes.
const schemaVersion = "chii-search-4"

// Names of the analysers and token filters of the mapping.
const (
	// analyzerText indexes name and aliases: the unicode tokenizer (word boundaries of UAX #29),
	// full-width → half-width, lower case, then Han, Kana and Hangul runs become bigrams with
	// their unigrams (so a one-character query finds the character).
	analyzerText = "chii_text"
	// analyzerQuery analyses a keyword: as analyzerText but bigrams only (a lone CJK character
	// stays a unigram), so a CJK query of n characters requires its n-1 bigrams.
	analyzerQuery = "chii_query"
	// analyzerExact is the whole value, width-folded and lower-cased: name_exact, aliases_exact.
	analyzerExact = "chii_exact"
	// analyzerKeyword is the whole value lower-cased: tag, meta_tag, career. String equality in
	// filters is case-insensitive, as it is on Meilisearch.
	analyzerKeyword = "chii_keyword"

	// analyzerLatin keeps the words of analyzerText that are not CJK: the field "latin", the
	// only one searched with typos. A fuzzy automaton walks the term dictionary; on a field
	// holding every CJK bigram the walk past the prefix cost milliseconds a query.
	analyzerLatin = "chii_latin"

	filterBigramUnigram = "chii_cjk_bigram_unigram"
	filterHangul        = "chii_hangul_as_ideographic"
	filterDropCJK       = "chii_drop_cjk"
)

// Fields of the documents beyond the domain's names (search.Field*).
//
// The sort keys are single fixed-width hexadecimal terms kept as doc values and compared as
// strings: a bleve number field keeps 16 prefix-coded terms per value in its doc values, and
// decoding them for every hit was most of a sorted query's time.
const (
	fieldIDSort       = "id_sort" // %08x of the id
	fieldName         = "name"
	fieldAliases      = "aliases"
	fieldNameExact    = "name_exact"
	fieldAliasesExact = "aliases_exact"
	fieldLatin        = "latin"      // the non-CJK words of name and aliases
	fieldHeatSort     = "heat_sort"  // %08x of heat
	fieldScoreSort    = "score_sort" // sortableFloat(score)
	fieldRankSort     = "rank_sort"  // %08x of rank, or ffffffff when unranked (D5)
	fieldCommentSort  = "comment_sort"
	fieldCollectSort  = "collect_sort"
)

// unranked is rank_sort for rank 0: after every real rank (D5).
const unranked = math.MaxUint32

// hex32 is the sort key of an unsigned number: fixed width, so string order is number order.
func hex32(n uint32) string { return fmt.Sprintf("%08x", n) }

// sortableFloat is the sort key of a float: its IEEE bits made order-preserving (negative
// numbers below positive ones), fixed width.
func sortableFloat(f float64) string {
	u := math.Float64bits(f)
	if u>>63 == 1 {
		u = ^u
	} else {
		u |= 1 << 63
	}
	return fmt.Sprintf("%016x", u)
}

func init() {
	// The bigram filter of the cjk package only pairs tokens typed Ideographic; the unicode
	// tokenizer types Han and Kana so, and Hangul as letters. This filter retypes Hangul words
	// so that Korean is cut into bigrams too.
	err := registry.RegisterTokenFilter(filterHangul, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return hangulFilter{}, nil
	})
	if err != nil {
		panic(err)
	}
	err = registry.RegisterTokenFilter(filterDropCJK, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return dropCJKFilter{}, nil
	})
	if err != nil {
		panic(err)
	}
}

// dropCJKFilter removes the tokens typed Ideographic (Han, Kana, and Hangul after hangulFilter).
type dropCJKFilter struct{}

func (dropCJKFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	out := in[:0]
	for _, tok := range in {
		if tok.Type != analysis.Ideographic {
			out = append(out, tok)
		}
	}
	return out
}

type hangulFilter struct{}

func (hangulFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, tok := range in {
		if tok.Type != analysis.AlphaNumeric || len(tok.Term) == 0 {
			continue
		}
		hangul := true
		for _, r := range string(tok.Term) {
			if !unicode.Is(unicode.Hangul, r) {
				hangul = false
				break
			}
		}
		if hangul {
			tok.Type = analysis.Ideographic
		}
	}
	return in
}

// newMapping is the mapping of kind's index: one static document mapping, no _all field,
// nothing stored (a hit's id is the document id), doc values only on the sort fields.
func newMapping(kind search.Kind) (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	m.IndexDynamic, m.StoreDynamic, m.DocValuesDynamic = false, false, false
	m.DefaultAnalyzer = analyzerKeyword

	if err := m.AddCustomTokenFilter(filterBigramUnigram, map[string]any{
		"type": cjk.BigramName, "output_unigram": true,
	}); err != nil {
		return nil, err
	}
	analyzers := map[string]map[string]any{
		analyzerText: {
			"type": custom.Name, "tokenizer": unicodetok.Name,
			"token_filters": []any{cjk.WidthName, lowercase.Name, filterHangul, filterBigramUnigram},
		},
		analyzerQuery: {
			"type": custom.Name, "tokenizer": unicodetok.Name,
			"token_filters": []any{cjk.WidthName, lowercase.Name, filterHangul, cjk.BigramName},
		},
		analyzerLatin: {
			"type": custom.Name, "tokenizer": unicodetok.Name,
			"token_filters": []any{cjk.WidthName, lowercase.Name, filterHangul, filterDropCJK},
		},
		analyzerExact: {
			"type": custom.Name, "tokenizer": single.Name,
			"token_filters": []any{cjk.WidthName, lowercase.Name},
		},
		analyzerKeyword: {
			"type": custom.Name, "tokenizer": single.Name,
			"token_filters": []any{lowercase.Name},
		},
	}
	for _, name := range []string{analyzerText, analyzerQuery, analyzerLatin, analyzerExact, analyzerKeyword} {
		if err := m.AddCustomAnalyzer(name, analyzers[name]); err != nil {
			return nil, err
		}
	}

	text := func(name, analyzer string) *mapping.FieldMapping {
		return &mapping.FieldMapping{Name: name, Type: "text", Analyzer: analyzer, Index: true}
	}
	keyword := func(name string) *mapping.FieldMapping {
		return &mapping.FieldMapping{Name: name, Type: "text", Analyzer: analyzerKeyword, Index: true, SkipFreqNorm: true}
	}
	number := func(name string) *mapping.FieldMapping {
		return &mapping.FieldMapping{Name: name, Type: "number", Index: true, SkipFreqNorm: true}
	}
	// Doc values are merged only for indexed fields (zapx), so a sort key is indexed too.
	sortKey := func(name string) *mapping.FieldMapping {
		return &mapping.FieldMapping{Name: name, Type: "text", Analyzer: analyzerKeyword, Index: true, DocValues: true, SkipFreqNorm: true}
	}
	boolean := func(name string) *mapping.FieldMapping {
		return &mapping.FieldMapping{Name: name, Type: "boolean", Index: true, SkipFreqNorm: true}
	}

	dm := mapping.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(fieldIDSort, sortKey(fieldIDSort))
	dm.AddFieldMappingsAt(fieldName, text(fieldName, analyzerText), text(fieldNameExact, analyzerExact), text(fieldLatin, analyzerLatin))
	dm.AddFieldMappingsAt(fieldAliases, text(fieldAliases, analyzerText), text(fieldAliasesExact, analyzerExact), text(fieldLatin, analyzerLatin))
	switch kind {
	case search.KindSubject:
		dm.AddFieldMappingsAt(search.FieldTag, keyword(search.FieldTag))
		dm.AddFieldMappingsAt(search.FieldMetaTag, keyword(search.FieldMetaTag))
		dm.AddFieldMappingsAt(search.FieldDate, number(search.FieldDate))
		dm.AddFieldMappingsAt(search.FieldScore, number(search.FieldScore))
		dm.AddFieldMappingsAt(fieldScoreSort, sortKey(fieldScoreSort))
		dm.AddFieldMappingsAt(search.FieldRatingCount, number(search.FieldRatingCount))
		dm.AddFieldMappingsAt(search.FieldRank, number(search.FieldRank))
		dm.AddFieldMappingsAt(fieldRankSort, sortKey(fieldRankSort))
		dm.AddFieldMappingsAt(search.FieldType, number(search.FieldType))
		dm.AddFieldMappingsAt(fieldHeatSort, sortKey(fieldHeatSort))
		dm.AddFieldMappingsAt(search.FieldNSFW, boolean(search.FieldNSFW))
	case search.KindCharacter:
		dm.AddFieldMappingsAt(fieldCommentSort, sortKey(fieldCommentSort))
		dm.AddFieldMappingsAt(fieldCollectSort, sortKey(fieldCollectSort))
		dm.AddFieldMappingsAt(search.FieldNSFW, boolean(search.FieldNSFW))
	case search.KindPerson:
		dm.AddFieldMappingsAt(fieldCommentSort, sortKey(fieldCommentSort))
		dm.AddFieldMappingsAt(fieldCollectSort, sortKey(fieldCollectSort))
		dm.AddFieldMappingsAt(search.FieldCareer, keyword(search.FieldCareer))
	}
	dm.AddSubDocumentMapping("_all", mapping.NewDocumentDisabledMapping()) // no composite field
	m.DefaultMapping = dm
	return m, m.Validate()
}

// docID is the bleve document id of a domain id.
func docID(id uint32) string { return strconv.FormatUint(uint64(id), 10) }

// The entries handed to the mapping. A field absent from an entry is absent from the document:
// a date of 0 (unknown) is left out, as bangumi's JSON omits it, so it satisfies no date
// condition on either engine.

func subjectEntry(d search.SubjectDoc) map[string]any {
	e := map[string]any{
		fieldIDSort:             hex32(d.ID),
		fieldName:               d.Name,
		search.FieldScore:       d.Score,
		fieldScoreSort:          sortableFloat(d.Score),
		search.FieldRatingCount: float64(d.RatingCount),
		search.FieldRank:        float64(d.Rank),
		fieldRankSort:           rankSort(d.Rank),
		search.FieldType:        float64(d.Type),
		fieldHeatSort:           hex32(d.Heat),
		search.FieldNSFW:        d.NSFW,
	}
	if len(d.Aliases) > 0 {
		e[fieldAliases] = d.Aliases
	}
	if len(d.Tag) > 0 {
		e[search.FieldTag] = d.Tag
	}
	if len(d.MetaTag) > 0 {
		e[search.FieldMetaTag] = d.MetaTag
	}
	if d.Date != 0 {
		e[search.FieldDate] = float64(d.Date)
	}
	return e
}

func rankSort(rank uint32) string {
	if rank == 0 {
		return hex32(unranked)
	}
	return hex32(rank)
}

func characterEntry(d search.CharacterDoc) map[string]any {
	e := map[string]any{
		fieldIDSort:      hex32(d.ID),
		fieldName:        d.Name,
		fieldCommentSort: hex32(d.Comment),
		fieldCollectSort: hex32(d.Collect),
		search.FieldNSFW: d.NSFW,
	}
	if len(d.Aliases) > 0 {
		e[fieldAliases] = d.Aliases
	}
	return e
}

func personEntry(d search.PersonDoc) map[string]any {
	e := map[string]any{
		fieldIDSort:      hex32(d.ID),
		fieldName:        d.Name,
		fieldCommentSort: hex32(d.Comment),
		fieldCollectSort: hex32(d.Collect),
	}
	if len(d.Aliases) > 0 {
		e[fieldAliases] = d.Aliases
	}
	if len(d.Career) > 0 {
		e[search.FieldCareer] = d.Career
	}
	return e
}
