package bleveindex

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/search"
)

const (
	// maxTerms bounds the analysed terms of a keyword that must match (Meilisearch considers
	// the first 10 words of a query; a CJK word of n characters is n-1 bigrams here).
	maxTerms = 64
	// maxFuzzyRunes: a longer word is no typo of a name, and its automaton costs more.
	maxFuzzyRunes = 64
	// Boosts: an exact name or alias dominates; name before aliases (bangumi's searchable
	// order); a typo match below an exact term match.
	boostExact   = 20
	boostName    = 1.5
	boostAliases = 1
	boostFuzzy   = 0.5
)

// Search answers q (see the package doc for matching). Sorts other than SortMatch order by
// their key, then id, also with a keyword; SortMatch orders by relevance then id, and by id
// alone without a keyword.
func (ix *Index) Search(ctx context.Context, q search.Query) (search.Result, error) {
	if err := ctx.Err(); err != nil {
		return search.Result{}, err
	}
	b, err := ix.kind(q.Kind)
	if err != nil {
		return search.Result{}, err
	}
	if q.Limit < 0 || q.Offset < 0 {
		return search.Result{}, domain.Errorf(domain.ErrInvalid, "limit and offset must not be negative")
	}
	order, err := sortOrder(q.Kind, q.Sort)
	if err != nil {
		return search.Result{}, err
	}
	filter, err := ix.filterQuery(q.Kind, q.Filter)
	if err != nil {
		return search.Result{}, err
	}

	keyword := strings.TrimSpace(strings.ToValidUTF8(q.Keyword, "\uFFFD"))
	var root query.Query
	scored := false
	switch {
	case keyword != "":
		kq := ix.keywordQuery(keyword)
		kq.AddFilter(filter) // selects without scoring; nil adds nothing
		root = kq
		scored = true
	case filter != nil:
		root = filter
	default:
		root = query.NewMatchAllQuery()
	}

	req := bleve.NewSearchRequestOptions(root, q.Limit, q.Offset, false)
	if scored && q.Sort == search.SortMatch {
		order = append(bsearch.SortOrder{&bsearch.SortScore{Desc: true}}, order...)
	} else {
		req.Score = bleve.ScoreNone // the order does not use it
	}
	req.SortByCustom(order)

	res, err := b.SearchInContext(ctx, req)
	if err != nil {
		return search.Result{}, fmt.Errorf("bleveindex: search %s: %w", q.Kind, err)
	}
	out := search.Result{IDs: make([]uint32, 0, len(res.Hits)), Total: int64(res.Total)}
	for _, h := range res.Hits {
		id, err := strconv.ParseUint(h.ID, 10, 32)
		if err != nil {
			return search.Result{}, fmt.Errorf("bleveindex: search %s: document id %q: %w", q.Kind, h.ID, err)
		}
		out.IDs = append(out.IDs, uint32(id))
	}
	return out, nil
}

// sortOrder is the order of q.Sort after relevance: the sort key, then id ascending.
func sortOrder(kind search.Kind, s search.Sort) (bsearch.SortOrder, error) {
	byID := &bsearch.SortField{Field: fieldIDSort, Type: bsearch.SortFieldAsString}
	if s == search.SortMatch {
		return bsearch.SortOrder{byID}, nil
	}
	if kind != search.KindSubject {
		return nil, domain.Errorf(domain.ErrInvalid, "sort %s is not supported for %s", s, kind)
	}
	var key *bsearch.SortField
	switch s {
	case search.SortHeat:
		key = &bsearch.SortField{Field: fieldHeatSort, Desc: true}
	case search.SortScore:
		key = &bsearch.SortField{Field: fieldScoreSort, Desc: true}
	case search.SortRank:
		key = &bsearch.SortField{Field: fieldRankSort} // unranked = MaxUint32: last (D5)
	default:
		return nil, domain.Errorf(domain.ErrInvalid, "sort not supported")
	}
	key.Type = bsearch.SortFieldAsString
	return bsearch.SortOrder{key, byID}, nil
}

// keywordQuery matches documents whose name or aliases hold every term of keyword, boosting
// those whose whole name or alias is the keyword. keyword is valid UTF-8, trimmed, not empty.
func (ix *Index) keywordQuery(keyword string) *query.BooleanQuery {
	exact := exactTerm(ix.exact, keyword)
	exactName := query.NewTermQuery(exact)
	exactName.SetField(fieldNameExact)
	exactName.SetBoost(boostExact)
	exactAlias := query.NewTermQuery(exact)
	exactAlias.SetField(fieldAliasesExact)
	exactAlias.SetBoost(boostExact)
	exactQ := query.NewDisjunctionQuery([]query.Query{exactName, exactAlias})

	terms := queryTerms(ix.query, keyword)
	if len(terms) == 0 {
		// Nothing but separators ("!!!"): only a name that is exactly this text matches.
		return query.NewBooleanQuery([]query.Query{exactQ}, nil, nil)
	}
	must := make([]query.Query, 0, len(terms))
	for _, t := range terms {
		alts := make([]query.Query, 0, 3)
		for _, f := range []struct {
			field string
			boost float64
		}{{fieldName, boostName}, {fieldAliases, boostAliases}} {
			tq := query.NewTermQuery(t.term)
			tq.SetField(f.field)
			tq.SetBoost(f.boost)
			alts = append(alts, tq)
		}
		if t.fuzziness > 0 {
			fq := query.NewFuzzyQuery(t.term)
			fq.SetField(fieldLatin)
			fq.SetFuzziness(t.fuzziness)
			fq.SetPrefix(1) // the first letter is no typo (Meilisearch counts it as two)
			fq.SetBoost(boostFuzzy)
			alts = append(alts, fq)
		}
		must = append(must, query.NewDisjunctionQuery(alts))
	}
	return query.NewBooleanQuery(must, []query.Query{exactQ}, nil)
}

type keywordTerm struct {
	term      string
	fuzziness int
}

// queryTerms analyses keyword: distinct terms in order, at most maxTerms, each with the edit
// distance it tolerates (Latin words of 5 letters or more: 1; CJK and numbers: none).
func queryTerms(a analysis.Analyzer, keyword string) []keywordTerm {
	toks := a.Analyze([]byte(keyword))
	seen := make(map[string]bool, len(toks))
	terms := make([]keywordTerm, 0, len(toks))
	for _, tok := range toks {
		t := string(tok.Term)
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		kt := keywordTerm{term: t}
		if tok.Type == analysis.AlphaNumeric {
			switch n := utf8.RuneCountInString(t); {
			case n > maxFuzzyRunes:
			case n >= 5:
				kt.fuzziness = 1
			}
		}
		terms = append(terms, kt)
		if len(terms) == maxTerms {
			break
		}
	}
	return terms
}

// exactTerm is the single term a (the whole-value analyser) makes of s.
func exactTerm(a analysis.Analyzer, s string) string {
	toks := a.Analyze([]byte(s))
	if len(toks) == 0 {
		return s
	}
	return string(toks[0].Term)
}

// filterQuery translates f: a conjunction of clauses, each a disjunction of conditions; nil
// for the empty filter. Every condition is validated (domain.ErrInvalid). With a keyword it is
// the keyword query's Filter, which selects without scoring.
func (ix *Index) filterQuery(kind search.Kind, f search.Filter) (query.Query, error) {
	if len(f) == 0 {
		return nil, nil
	}
	clauses := make([]query.Query, 0, len(f))
	for _, clause := range f {
		if len(clause) == 0 {
			clauses = append(clauses, query.NewMatchNoneQuery()) // an empty clause never holds
			continue
		}
		conds := make([]query.Query, 0, len(clause))
		for _, c := range clause {
			cq, err := ix.condQuery(kind, c)
			if err != nil {
				return nil, err
			}
			conds = append(conds, cq)
		}
		if len(conds) == 1 {
			clauses = append(clauses, conds[0])
		} else {
			clauses = append(clauses, query.NewDisjunctionQuery(conds))
		}
	}
	if len(clauses) == 1 {
		return clauses[0], nil
	}
	return query.NewConjunctionQuery(clauses), nil
}

func (ix *Index) condQuery(kind search.Kind, c search.Cond) (query.Query, error) {
	if !search.Filterable(kind, c.Field) {
		return nil, domain.Errorf(domain.ErrInvalid, "%s is not filterable for %s", strconv.Quote(c.Field), kind)
	}
	want := fieldValueKind(c.Field)
	if c.Value.Kind != want {
		return nil, domain.Errorf(domain.ErrInvalid, "%s compares with a %s", c.Field, valueKindName(want))
	}
	if c.Op < search.Eq || c.Op > search.Le {
		return nil, domain.Errorf(domain.ErrInvalid, "unknown operator %s", c.Op)
	}
	if c.Op != search.Eq && want != search.ValueNumber {
		return nil, domain.Errorf(domain.ErrInvalid, "operator %s does not apply to %s", c.Op, c.Field)
	}
	switch want {
	case search.ValueString:
		tq := query.NewTermQuery(exactTerm(ix.keyword, c.Value.Str))
		tq.SetField(c.Field)
		return tq, nil
	case search.ValueBool:
		bq := query.NewBoolFieldQuery(c.Value.Bool)
		bq.SetField(c.Field)
		return bq, nil
	}
	// a number
	v := c.Value.Num
	if math.IsNaN(v) {
		return nil, domain.Errorf(domain.ErrInvalid, "%s compares with a number", c.Field)
	}
	t, f := true, false
	var nq *query.NumericRangeQuery
	switch c.Op {
	case search.Eq:
		nq = query.NewNumericRangeInclusiveQuery(&v, &v, &t, &t)
	case search.Gt:
		nq = query.NewNumericRangeInclusiveQuery(&v, nil, &f, nil)
	case search.Ge:
		nq = query.NewNumericRangeInclusiveQuery(&v, nil, &t, nil)
	case search.Lt:
		nq = query.NewNumericRangeInclusiveQuery(nil, &v, nil, &f)
	default: // search.Le
		nq = query.NewNumericRangeInclusiveQuery(nil, &v, nil, &t)
	}
	nq.SetField(c.Field)
	return nq, nil
}

// fieldValueKind is the kind of value a filterable field holds.
func fieldValueKind(field string) search.ValueKind {
	switch field {
	case search.FieldTag, search.FieldMetaTag, search.FieldCareer:
		return search.ValueString
	case search.FieldNSFW:
		return search.ValueBool
	}
	return search.ValueNumber
}

func valueKindName(k search.ValueKind) string {
	switch k {
	case search.ValueString:
		return "string"
	case search.ValueBool:
		return "bool"
	}
	return "number"
}
