package inmem

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/bangumi/chii/domain/episode"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/user"
	"github.com/bangumi/chii/ports"
)

var (
	_ ports.SubjectCollectionWriter = txCollections{}
	_ ports.EpisodeProgressWriter   = txProgress{}
)

// userTag is a chii_tag_neue_list row of a user: the user tagged the subject with index row
// tagID.
type userTag struct {
	userID, subjectID uint32
	subjectType       uint8
	tagID             int
}

func (t memTx) SubjectCollections() ports.SubjectCollectionWriter { return txCollections{d: t.d} }

func (t memTx) EpisodeProgress() ports.EpisodeProgressWriter { return txProgress{d: t.d} }

// txCollections reads and writes a transaction's copy; the transaction owns it (transactions
// of a Store run one at a time), so no lock.
type txCollections struct{ d *data }

func (w txCollections) LockSubject(_ context.Context, id uint32) (subject.Subject, error) {
	s, ok := w.d.subjects[id]
	if !ok {
		return subject.Subject{}, notFound("subject")
	}
	return s, nil
}

func (w txCollections) Find(_ context.Context, userID, subjectID uint32) (user.CollectionRecord, bool, error) {
	for _, r := range w.d.subjectCollections {
		if r.UserID == userID && r.SubjectID == subjectID {
			return r, true, nil
		}
	}
	return user.CollectionRecord{}, false, nil
}

func (w txCollections) Save(_ context.Context, r user.CollectionRecord) (uint32, error) {
	if r.ID == 0 {
		w.d.lastCollectionID++
		r.ID = w.d.lastCollectionID
		w.d.subjectCollections = append(w.d.subjectCollections, r)
		return r.ID, nil
	}
	for i := range w.d.subjectCollections {
		if w.d.subjectCollections[i].ID == r.ID {
			w.d.subjectCollections[i] = r
		}
	}
	return r.ID, nil
}

// tagIndexRows returns the ids and stored names of the index rows of subjectType matching name
// like the column's collation (case- and accent-insensitive).
func (w txCollections) tagIndexRows(subjectType uint8, name string) (ids []int, names []string) {
	m := newUsernameMatcher(name) // the same collation as chii_members.username
	for k, id := range w.d.tagIDs {
		if k.subjectType == subjectType && m.match(k.name) {
			ids, names = append(ids, id), append(names, k.name)
		}
	}
	return ids, names
}

func (w txCollections) ReplaceTags(_ context.Context, userID, subjectID uint32, subjectType uint8, tags []string, _ time.Time) ([]string, error) {
	w.d.userTags = slices.DeleteFunc(w.d.userTags, func(t userTag) bool { return t.userID == userID && t.subjectID == subjectID })
	seen := map[int]bool{}
	var stored []string
	for _, tag := range tags {
		ids, names := w.tagIndexRows(subjectType, tag)
		if len(ids) == 0 {
			id := len(w.d.tagIDs) + 1
			w.d.tagIDs[tagKey{subjectType, tag}] = id
			ids, names = []int{id}, []string{tag}
		}
		for i, id := range ids {
			if !seen[id] {
				seen[id] = true
				stored = append(stored, names[i])
				w.d.userTags = append(w.d.userTags, userTag{userID: userID, subjectID: subjectID, subjectType: subjectType, tagID: id})
			}
		}
	}
	slices.Sort(stored)
	return stored, nil
}

func (w txCollections) RecountTags(_ context.Context, subjectID uint32, subjectType uint8, names []string) error {
	users := func(keep func(userTag) bool) map[int]map[uint32]bool {
		out := map[int]map[uint32]bool{}
		for _, t := range w.d.userTags {
			if keep(t) {
				if out[t.tagID] == nil {
					out[t.tagID] = map[uint32]bool{}
				}
				out[t.tagID][t.userID] = true
			}
		}
		return out
	}
	if w.d.tagResults == nil {
		w.d.tagResults = map[int]int{}
	}
	all := users(func(userTag) bool { return true })
	for _, n := range names {
		ids, _ := w.tagIndexRows(subjectType, n)
		for _, id := range ids {
			w.d.tagResults[id] = len(all[id])
		}
	}
	nameOf := map[int]string{}
	for k, id := range w.d.tagIDs {
		nameOf[id] = k.name
	}
	var tags []subject.Tag
	for id, us := range users(func(t userTag) bool { return t.subjectID == subjectID }) {
		tags = append(tags, subject.Tag{Name: nameOf[id], Count: len(us), TotalCount: w.d.tagResults[id]})
	}
	slices.SortFunc(tags, func(a, b subject.Tag) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name)) })
	if len(tags) > 30 {
		tags = tags[:30]
	}
	if s, ok := w.d.subjects[subjectID]; ok {
		s.Tags = tags
		w.d.subjects[subjectID] = s
	}
	return nil
}

func (w txCollections) Recount(_ context.Context, subjectID uint32, rates []uint8) (bool, error) {
	s, ok := w.d.subjects[subjectID]
	if !ok {
		return false, nil
	}
	before := s
	byType := map[uint8]uint32{}
	var byRate [user.MaxRate + 1]uint32
	for _, r := range w.d.subjectCollections {
		if r.SubjectID != subjectID || r.Type == 0 {
			continue
		}
		byType[r.Type]++
		if r.CountsInRating() && r.Rate <= user.MaxRate {
			byRate[r.Rate]++
		}
	}
	for t, counter := range map[uint8]*uint32{
		user.CollectionWish: &s.Collection.Wish, user.CollectionDone: &s.Collection.Collect,
		user.CollectionDoing: &s.Collection.Doing, user.CollectionOnHold: &s.Collection.OnHold,
		user.CollectionDropped: &s.Collection.Dropped,
	} {
		if n, ok := byType[t]; ok {
			*counter = n
		}
	}
	for _, r := range rates {
		if r >= 1 && r <= user.MaxRate {
			s.RateCounts[r-1] = byRate[r]
		}
	}
	w.d.subjects[subjectID] = s
	return s.Collection != before.Collection || s.RateCounts != before.RateCounts, nil
}

// txProgress reads and writes the episode progress of a transaction's copy.
type txProgress struct{ d *data }

func (w txProgress) Progress(_ context.Context, userID, subjectID uint32) (episode.Progress, bool, error) {
	return w.d.readProgress(userID, subjectID)
}

func (w txProgress) SaveProgress(_ context.Context, userID, subjectID uint32, p episode.Progress, _ time.Time) error {
	w.d.progress[progressKey{userID, subjectID}] = episode.EncodeProgress(p)
	return nil
}
