package ports

import (
	"context"

	"github.com/bangumi/chii/domain/search"
)

// SearchIndex stores search documents and answers queries (search spec; decisions D3–D5).
// One implementation per engine: the embedded index (the default) and Meilisearch. Every
// implementation passes contracttests.SearchIndex.
type SearchIndex interface {
	// Upsert writes whole documents: each replaces the stored document of the same kind and id,
	// if any, entirely (decision D4). When it returns nil the documents are durable (for an
	// index stored on disk) and visible to Search.
	Upsert(ctx context.Context, docs search.Documents) error
	// Delete removes the documents of kind with these ids; an id with no document is no error.
	// When it returns nil the deletion is durable and visible to Search.
	Delete(ctx context.Context, kind search.Kind, ids ...uint32) error
	// Search answers q. It returns an error wrapping domain.ErrInvalid for a query the index
	// cannot run (a field that is not filterable for q.Kind, an operator a field does not take).
	Search(ctx context.Context, q search.Query) (search.Result, error)
	// Count is the number of documents of kind.
	Count(ctx context.Context, kind search.Kind) (int64, error)
}
