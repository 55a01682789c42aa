package bleveindex

import (
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
const schemaVersion = "chii-search-1"

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

	filterBigramUnigram = "chii_cjk_bigram_unigram"
	filterHangul        = "chii_hangul_as_ideographic"
)

// Fields of the documents beyond the domain's names (search.Field*).
const (
	fieldID           = "id"
	fieldName         = "name"
	fieldAliases      = "aliases"
	fieldNameExact    = "name_exact"
	fieldAliasesExact = "aliases_exact"
	fieldHeat         = "heat"
	fieldRankSort     = "rank_sort" // rank, or MaxUint32 when unranked (D5)
	fieldComment      = "comment"
	fieldCollect      = "collect"
)

// unranked is rank_sort for rank 0: after every real rank (D5).
const unranked = float64(math.MaxUint32)

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
		analyzerExact: {
			"type": custom.Name, "tokenizer": single.Name,
			"token_filters": []any{cjk.WidthName, lowercase.Name},
		},
		analyzerKeyword: {
			"type": custom.Name, "tokenizer": single.Name,
			"token_filters": []any{lowercase.Name},
		},
	}
	for _, name := range []string{analyzerText, analyzerQuery, analyzerExact, analyzerKeyword} {
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
	number := func(name string, filter, sort bool) *mapping.FieldMapping {
		return &mapping.FieldMapping{Name: name, Type: "number", Index: filter || sort, DocValues: sort, SkipFreqNorm: true}
	}
	boolean := func(name string) *mapping.FieldMapping {
		return &mapping.FieldMapping{Name: name, Type: "boolean", Index: true, SkipFreqNorm: true}
	}

	dm := mapping.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(fieldID, number(fieldID, false, true))
	dm.AddFieldMappingsAt(fieldName, text(fieldName, analyzerText), text(fieldNameExact, analyzerExact))
	dm.AddFieldMappingsAt(fieldAliases, text(fieldAliases, analyzerText), text(fieldAliasesExact, analyzerExact))
	switch kind {
	case search.KindSubject:
		dm.AddFieldMappingsAt(search.FieldTag, keyword(search.FieldTag))
		dm.AddFieldMappingsAt(search.FieldMetaTag, keyword(search.FieldMetaTag))
		dm.AddFieldMappingsAt(search.FieldDate, number(search.FieldDate, true, false))
		dm.AddFieldMappingsAt(search.FieldScore, number(search.FieldScore, true, true))
		dm.AddFieldMappingsAt(search.FieldRatingCount, number(search.FieldRatingCount, true, false))
		dm.AddFieldMappingsAt(search.FieldRank, number(search.FieldRank, true, false))
		dm.AddFieldMappingsAt(fieldRankSort, number(fieldRankSort, false, true))
		dm.AddFieldMappingsAt(search.FieldType, number(search.FieldType, true, false))
		dm.AddFieldMappingsAt(fieldHeat, number(fieldHeat, false, true))
		dm.AddFieldMappingsAt(search.FieldNSFW, boolean(search.FieldNSFW))
	case search.KindCharacter:
		dm.AddFieldMappingsAt(fieldComment, number(fieldComment, false, true))
		dm.AddFieldMappingsAt(fieldCollect, number(fieldCollect, false, true))
		dm.AddFieldMappingsAt(search.FieldNSFW, boolean(search.FieldNSFW))
	case search.KindPerson:
		dm.AddFieldMappingsAt(fieldComment, number(fieldComment, false, true))
		dm.AddFieldMappingsAt(fieldCollect, number(fieldCollect, false, true))
		dm.AddFieldMappingsAt(search.FieldCareer, keyword(search.FieldCareer))
	}
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
		fieldID:                 float64(d.ID),
		fieldName:               d.Name,
		search.FieldScore:       d.Score,
		search.FieldRatingCount: float64(d.RatingCount),
		search.FieldRank:        float64(d.Rank),
		fieldRankSort:           rankSort(d.Rank),
		search.FieldType:        float64(d.Type),
		fieldHeat:               float64(d.Heat),
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

func rankSort(rank uint32) float64 {
	if rank == 0 {
		return unranked
	}
	return float64(rank)
}

func characterEntry(d search.CharacterDoc) map[string]any {
	e := map[string]any{
		fieldID:          float64(d.ID),
		fieldName:        d.Name,
		fieldComment:     float64(d.Comment),
		fieldCollect:     float64(d.Collect),
		search.FieldNSFW: d.NSFW,
	}
	if len(d.Aliases) > 0 {
		e[fieldAliases] = d.Aliases
	}
	return e
}

func personEntry(d search.PersonDoc) map[string]any {
	e := map[string]any{
		fieldID:      float64(d.ID),
		fieldName:    d.Name,
		fieldComment: float64(d.Comment),
		fieldCollect: float64(d.Collect),
	}
	if len(d.Aliases) > 0 {
		e[fieldAliases] = d.Aliases
	}
	if len(d.Career) > 0 {
		e[search.FieldCareer] = d.Career
	}
	return e
}
