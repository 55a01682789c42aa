package subject

// BrowseSort orders a browse page (http-v0-more.md §1.2, ties broken by subject id, D10/N14).
type BrowseSort uint8

const (
	// SortID lists by subject id ascending (no sort given).
	SortID BrowseSort = iota
	// SortDate lists by air date, newest first, then subject id ascending.
	SortDate
	// SortRank lists ranked subjects only (rank > 0), best first, then subject id ascending.
	SortRank
)

// BrowseFilter selects the subjects of GET /v0/subjects: subjects of Type that are not
// merged, whatever their ban state, and not NSFW unless AllowNSFW; the other fields narrow
// the result when set.
type BrowseFilter struct {
	Type      uint8
	AllowNSFW bool
	// Cat, when HasCat, is the stored platform (subject_platform).
	Cat    uint16
	HasCat bool
	// Series, when set, is the series flag the subjects must have.
	Series *bool
	// Platform, when non-empty, must appear as "[Platform]" in the infobox (a literal match).
	Platform string
	// Year and Month, when non-zero, are the stored year and month of the air date.
	Year  int32
	Month int8
	Sort  BrowseSort
}
