package meiliindex

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/meilisearch/meilisearch-go"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/search"
)

// valueKinds is the kind of value each filterable field holds (search spec §5).
var valueKinds = map[string]search.ValueKind{
	search.FieldTag:         search.ValueString,
	search.FieldMetaTag:     search.ValueString,
	search.FieldCareer:      search.ValueString,
	search.FieldDate:        search.ValueNumber,
	search.FieldScore:       search.ValueNumber,
	search.FieldRatingCount: search.ValueNumber,
	search.FieldRank:        search.ValueNumber,
	search.FieldType:        search.ValueNumber,
	search.FieldNSFW:        search.ValueBool,
}

// condition is c in bangumi's filter syntax: `date >= 20080101`, `score >= 7.5`,
// `tag = "原创"` (strconv.Quote, as bangumi), `nsfw = false`. Numbers have no exponent and no
// fraction when they are whole. A field that is not filterable for kind, a value of the wrong
// kind, or an operator the field does not take is domain.ErrInvalid.
func condition(kind search.Kind, c search.Cond) (string, error) {
	if !search.Filterable(kind, c.Field) {
		return "", domain.Errorf(domain.ErrInvalid, "%s cannot be filtered by %q", kind, c.Field)
	}
	vk := valueKinds[c.Field]
	if c.Value.Kind != vk {
		return "", domain.Errorf(domain.ErrInvalid, "filter %q: the value is not of the field's kind", c.Field)
	}
	if c.Op < search.Eq || c.Op > search.Le || vk != search.ValueNumber && c.Op != search.Eq {
		return "", domain.Errorf(domain.ErrInvalid, "filter %q: operator %s not supported", c.Field, c.Op)
	}
	var v string
	switch vk {
	case search.ValueString:
		v = strconv.Quote(c.Value.Str)
	case search.ValueBool:
		v = strconv.FormatBool(c.Value.Bool)
	case search.ValueNumber:
		n := c.Value.Num
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return "", domain.Errorf(domain.ErrInvalid, "filter %q: %v is not a number", c.Field, n)
		}
		if n == 0 {
			n = 0 // not "-0"
		}
		v = strconv.FormatFloat(n, 'f', -1, 64)
	}
	return c.Field + " " + c.Op.String() + " " + v, nil
}

// filter is f in Meilisearch's array syntax (outer AND, inner OR). none is true when a clause
// is empty: such a filter matches no document, and Search answers without asking
// Meilisearch (the array syntax has no "false", and no field is filterable in every index).
// Every condition is validated first, so an invalid query is ErrInvalid even then.
func filter(kind search.Kind, f search.Filter) (clauses [][]string, none bool, err error) {
	for _, clause := range f {
		if len(clause) == 0 {
			none = true
			continue
		}
		or := make([]string, len(clause))
		for i, c := range clause {
			if or[i], err = condition(kind, c); err != nil {
				return nil, false, err
			}
		}
		clauses = append(clauses, or)
	}
	return clauses, none, nil
}

// sortOf is bangumi's Meilisearch sort of s (SortRank is Search's two-part search). Only the
// subjects index has the sortable fields.
func sortOf(kind search.Kind, s search.Sort) ([]string, error) {
	if s != search.SortMatch && kind != search.KindSubject {
		return nil, domain.Errorf(domain.ErrInvalid, "%s cannot be sorted by %s", kind, s)
	}
	switch s {
	case search.SortMatch:
		return nil, nil
	case search.SortHeat:
		return []string{"heat:desc"}, nil
	case search.SortScore:
		return []string{"score:desc"}, nil
	case search.SortRank:
		return []string{"rank:asc"}, nil
	}
	return nil, domain.Errorf(domain.ErrInvalid, "sort not supported")
}

// Search answers q with POST /indexes/<uid>/search {q, offset, limit, filter, sort}
// (attributesToRetrieve ["id"]: only the ids are used). Total is Meilisearch's
// estimatedTotalHits.
//
// SortRank (decision D5: ranked subjects by rank ascending, then the unranked ones, rank 0)
// is two searches: the filter with `rank > 0` sorted `rank:asc` for the page; then the filter
// with `rank = 0` (unsorted: relevance, then id) for the rest of the page, its offset shifted
// by the ranked total, or only for its total when the page ends among the ranked ones. Total
// is the sum of both. Like bangumi, a search cannot reach past Meilisearch's maxTotalHits
// (1000 by default), so neither can the ranked part.
func (ix *Index) Search(ctx context.Context, q search.Query) (search.Result, error) {
	if err := checkKind(q.Kind); err != nil {
		return search.Result{}, err
	}
	if q.Offset < 0 || q.Limit < 0 {
		return search.Result{}, domain.Errorf(domain.ErrInvalid, "negative offset or limit")
	}
	clauses, none, err := filter(q.Kind, q.Filter)
	if err != nil {
		return search.Result{}, err
	}
	sort, err := sortOf(q.Kind, q.Sort)
	if err != nil {
		return search.Result{}, err
	}
	if none {
		return search.Result{IDs: []uint32{}}, nil
	}
	uid := ix.UID(q.Kind)
	if q.Sort != search.SortRank {
		ids, total, err := ix.page(ctx, uid, q.Keyword, clauses, sort, q.Offset, q.Limit)
		return search.Result{IDs: ids, Total: total}, err
	}

	with := func(cond string) [][]string {
		return append(clauses[:len(clauses):len(clauses)], []string{cond})
	}
	ids, ranked, err := ix.page(ctx, uid, q.Keyword, with("rank > 0"), sort, q.Offset, q.Limit)
	if err != nil {
		return search.Result{}, err
	}
	end := int64(q.Offset) + int64(q.Limit)
	offset, limit := int64(0), int64(0) // only the unranked total
	if end > ranked {
		offset = max(0, int64(q.Offset)-ranked)
		limit = end - max(int64(q.Offset), ranked)
	}
	more, unranked, err := ix.page(ctx, uid, q.Keyword, with("rank = 0"), nil, int(offset), int(limit))
	if err != nil {
		return search.Result{}, err
	}
	return search.Result{IDs: append(ids, more...), Total: ranked + unranked}, nil
}

// page runs one search. A limit of 0 asks for one hit (the client cannot send 0) and drops it.
func (ix *Index) page(ctx context.Context, uid, keyword string, clauses [][]string, sort []string,
	offset, limit int) ([]uint32, int64, error) {
	req := &meilisearch.SearchRequest{
		Query:                keyword,
		Offset:               int64(offset),
		Limit:                int64(max(limit, 1)),
		Sort:                 sort,
		AttributesToRetrieve: []string{"id"},
	}
	if len(clauses) > 0 {
		req.Filter = clauses
	}
	resp, err := ix.client.Index(uid).Search(ctx, keyword, req)
	if err != nil {
		return nil, 0, classify("search "+uid, err)
	}
	ids := make([]uint32, 0, limit)
	for _, hit := range resp.Hits[:min(limit, len(resp.Hits))] {
		var id uint32
		if err := json.Unmarshal(hit["id"], &id); err != nil {
			return nil, 0, fmt.Errorf("meiliindex: search %s: hit id %s: %w", uid, hit["id"], err)
		}
		ids = append(ids, id)
	}
	return ids, resp.EstimatedTotalHits, nil
}
