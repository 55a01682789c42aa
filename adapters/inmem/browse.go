package inmem

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/ports"
)

var _ ports.SubjectBrowser = SubjectBrowser{}

// SubjectBrowser lists the subjects of a Store by filter. A subject's stored year and month
// are those of its Date (0 when the date is unknown), as the MySQL fixtures store them.
type SubjectBrowser struct{ s *Store }

// Browser returns the subject browser of the store.
func (s *Store) Browser() SubjectBrowser { return SubjectBrowser{s} }

func browseMatches(f subject.BrowseFilter, s subject.Subject) bool {
	var year, month int
	if !s.Date.IsZero() {
		year, month = s.Date.Year()%10000, int(s.Date.Month())
	}
	switch {
	case s.Type != f.Type || s.Redirect != 0 || (s.NSFW && !f.AllowNSFW):
		return false
	case f.HasCat && s.Platform != f.Cat:
		return false
	case f.Series != nil && s.Series != *f.Series:
		return false
	case f.Platform != "" && !strings.Contains(s.Infobox, "["+f.Platform+"]"):
		return false
	case f.Year != 0 && int32(year) != f.Year:
		return false
	case f.Month != 0 && int8(month) != f.Month:
		return false
	case f.Sort == subject.SortRank && s.Rank == 0:
		return false
	}
	return true
}

func (d *data) browse(f subject.BrowseFilter) []subject.Subject {
	var out []subject.Subject
	for _, s := range d.subjects {
		if browseMatches(f, s) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b subject.Subject) int {
		var c int
		switch f.Sort {
		case subject.SortDate:
			c = b.Date.Compare(a.Date)
		case subject.SortRank:
			c = cmp.Compare(a.Rank, b.Rank)
		}
		return cmp.Or(c, cmp.Compare(a.ID, b.ID))
	})
	return out
}

// CountBrowse counts the subjects f selects.
func (r SubjectBrowser) CountBrowse(_ context.Context, f subject.BrowseFilter) (n int64, _ error) {
	r.s.read(func(d *data) { n = int64(len(d.browse(f))) })
	return n, nil
}

// Browse pages the subjects f selects.
func (r SubjectBrowser) Browse(_ context.Context, f subject.BrowseFilter, limit, offset int) (out []subject.Subject, _ error) {
	r.s.read(func(d *data) {
		all := d.browse(f)
		offset = min(max(offset, 0), len(all))
		end := len(all)
		if limit >= 0 {
			end = min(offset+limit, end)
		}
		out = slices.Clone(all[offset:end])
	})
	if out == nil {
		out = []subject.Subject{}
	}
	return out, nil
}

// BrowseMetaTags lists the meta tags of the subjects ids, whatever the tags' subject type.
func (r SubjectBrowser) BrowseMetaTags(_ context.Context, ids []uint32) (map[uint32][]string, error) {
	out := make(map[uint32][]string, len(ids))
	r.s.read(func(d *data) {
		for _, id := range ids {
			m, ok := d.metaTags[id]
			if !ok || len(m.tags) == 0 {
				continue
			}
			if tags := d.metaTagsOf(id, m.subjectType); len(tags) > 0 {
				out[id] = tags
			}
		}
	})
	return out, nil
}
