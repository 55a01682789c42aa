// Package inmem implements the ports in memory: for unit tests, contract tests and the
// embedded demo server. Every repository reads one Store; the Store's data is only
// changed through Put* (seeding) and the unit of work (all-or-nothing).
package inmem

import (
	"strings"
	"sync"
	"time"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/collect"
	"github.com/bangumi/chii/domain/episode"
	"github.com/bangumi/chii/domain/index"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/domain/user"
)

// Store is an in-memory bangumi database.
type Store struct {
	mu sync.RWMutex
	tx sync.Mutex // serialises units of work (uow.go); readers only take mu
	d  data
}

type storedToken struct {
	value   string
	expires time.Time
	token   auth.Token
}

type metaTags struct {
	subjectType uint8
	tags        []metaTag
}

// metaTag is a tag with its id: ids number (subject type, name) pairs in order of first use,
// and a subject's tags list by id, as the tag tables do.
type metaTag struct {
	id   int
	name string
}

type tagKey struct {
	subjectType uint8
	name        string
}

// data is everything a Store holds (UnitOfWork.Do copies what a transaction may change).
type data struct {
	subjects           map[uint32]subject.Subject
	characters         map[uint32]character.Character
	persons            map[uint32]person.Person
	users              map[uint32]user.User
	userGroups         map[uint16]string // chii_usergroup.usr_grp_perm, by usr_grp_id
	relations          []subject.Relation
	appearances        []character.Appearance
	casts              []character.Cast
	credits            []person.Credit
	tokens             []storedToken
	subjectCollections []user.CollectionRecord // chii_subject_interests
	lastCollectionID   uint32
	userTags           []userTag   // chii_tag_neue_list rows of users (tlt_uid ≠ 0)
	tagResults         map[int]int // chii_tag_neue_index.tag_results, by tag id
	monoCollects       []collect.MonoCollect
	lastMonoCollectID  uint32
	timelineRows       []timeline.Row // chii_timeline, by ID ascending
	lastTimelineID     uint32
	episodes           map[uint32]episode.Episode // chii_episodes, by ep_id
	lastEpisodeID      uint32
	progress           map[progressKey][]byte // chii_ep_status.ep_stt_status as stored
	metaTags           map[uint32]metaTags
	tagIDs             map[tagKey]int
	revisions          []storedRevision  // chii_rev_history and chii_subject_revisions rows
	revisionTexts      map[uint32][]byte // chii_rev_text, by rev_text_id

	// chii_index (Creator and NSFW are filled on read), chii_index_related and chii_index_collects
	indices       map[uint32]index.Index
	indexEntries  []index.Entry
	indexCollects []index.Collect
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{d: data{
		subjects:   map[uint32]subject.Subject{},
		characters: map[uint32]character.Character{},
		persons:    map[uint32]person.Person{},
		users:      map[uint32]user.User{},
		episodes:   map[uint32]episode.Episode{},
		progress:   map[progressKey][]byte{},
		metaTags:   map[uint32]metaTags{},
		tagIDs:     map[tagKey]int{},
	}}
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// read runs fn under the read lock.
func (s *Store) read(fn func(d *data)) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	fn(&s.d)
}

func (s *Store) write(fn func(d *data)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.d)
}

// PutSubject adds or replaces subjects.
func (s *Store) PutSubject(subjects ...subject.Subject) {
	s.write(func(d *data) {
		for _, v := range subjects {
			d.subjects[v.ID] = v
		}
	})
}

// PutCharacter adds or replaces characters.
func (s *Store) PutCharacter(chars ...character.Character) {
	s.write(func(d *data) {
		for _, v := range chars {
			d.characters[v.ID] = v
		}
	})
}

// PutPerson adds or replaces persons.
func (s *Store) PutPerson(persons ...person.Person) {
	s.write(func(d *data) {
		for _, v := range persons {
			d.persons[v.ID] = v
		}
	})
}

// PutUser adds or replaces users.
func (s *Store) PutUser(users ...user.User) {
	s.write(func(d *data) {
		for _, v := range users {
			d.users[v.ID] = v
		}
	})
}

// PutUserGroup sets the stored permissions (usr_grp_perm) of a user group.
func (s *Store) PutUserGroup(id uint16, permissions string) {
	s.write(func(d *data) {
		if d.userGroups == nil {
			d.userGroups = map[uint16]string{}
		}
		d.userGroups[id] = permissions
	})
}

// PutRelation adds subject relations.
func (s *Store) PutRelation(rels ...subject.Relation) {
	s.write(func(d *data) { d.relations = append(d.relations, rels...) })
}

// PutAppearance adds character–subject links.
func (s *Store) PutAppearance(apps ...character.Appearance) {
	s.write(func(d *data) { d.appearances = append(d.appearances, apps...) })
}

// PutCast adds cast rows.
func (s *Store) PutCast(casts ...character.Cast) {
	s.write(func(d *data) { d.casts = append(d.casts, casts...) })
}

// PutCredit adds person–subject credits.
func (s *Store) PutCredit(credits ...person.Credit) {
	s.write(func(d *data) { d.credits = append(d.credits, credits...) })
}

// PutToken adds an access token that expires at expires.
func (s *Store) PutToken(value string, expires time.Time, t auth.Token) {
	s.write(func(d *data) { d.tokens = append(d.tokens, storedToken{value: value, expires: expires, token: t}) })
}

// PutSubjectCollection adds subject collections.
func (s *Store) PutSubjectCollection(cs ...user.SubjectCollection) {
	s.write(func(d *data) {
		for _, c := range cs {
			d.lastCollectionID = max(d.lastCollectionID, c.ID)
			d.subjectCollections = append(d.subjectCollections, user.CollectionRecord{SubjectCollection: c})
		}
	})
}

// PutMonoCollect adds character/person collect rows; a zero ID gets the next free one.
func (s *Store) PutMonoCollect(cs ...collect.MonoCollect) {
	s.write(func(d *data) {
		for _, c := range cs {
			d.addMonoCollect(c)
		}
	})
}

func (d *data) addMonoCollect(c collect.MonoCollect) {
	if c.ID == 0 {
		c.ID = d.lastMonoCollectID + 1
	}
	d.lastMonoCollectID = max(d.lastMonoCollectID, c.ID)
	d.monoCollects = append(d.monoCollects, c)
}

// PutEpisodes gives a subject count more main episodes, sorted from 1 on, and banned more
// banned ones after them, with the next free ids.
func (s *Store) PutEpisodes(subjectID uint32, count, banned int) {
	s.write(func(d *data) {
		for i := range count + banned {
			d.addEpisode(episode.Episode{SubjectID: subjectID, Sort: float32(i + 1), Banned: i >= count})
		}
	})
}

// PutEpisode adds or replaces chii_episodes rows; a zero ID gets the next free one.
func (s *Store) PutEpisode(eps ...episode.Episode) {
	s.write(func(d *data) {
		for _, e := range eps {
			d.addEpisode(e)
		}
	})
}

func (d *data) addEpisode(e episode.Episode) {
	if e.ID == 0 {
		e.ID = d.lastEpisodeID + 1
	}
	d.lastEpisodeID = max(d.lastEpisodeID, e.ID)
	d.episodes[e.ID] = e
}

// progressKey is the unique key of chii_ep_status: (ep_stt_uid, ep_stt_sid).
type progressKey struct{ userID, subjectID uint32 }

// PutEpisodeProgress sets the ep_stt_status value of a user's progress row for a subject, as
// stored (JSON or PHP serialize() data).
func (s *Store) PutEpisodeProgress(userID, subjectID uint32, stored []byte) {
	s.write(func(d *data) { d.progress[progressKey{userID, subjectID}] = stored })
}

// PutMetaTags sets the meta tags of a subject of the given type.
func (s *Store) PutMetaTags(subjectID uint32, subjectType uint8, tags ...string) {
	s.write(func(d *data) {
		m := metaTags{subjectType: subjectType, tags: make([]metaTag, len(tags))}
		for i, name := range tags {
			k := tagKey{subjectType, name}
			id, ok := d.tagIDs[k]
			if !ok {
				id = len(d.tagIDs) + 1
				d.tagIDs[k] = id
			}
			m.tags[i] = metaTag{id: id, name: name}
		}
		d.metaTags[subjectID] = m
	})
}

// usernameMatcher compares usernames like the column's collation on MySQL,
// utf8mb4_unicode_ci: case- and accent-insensitive (the Unicode collation algorithm at
// primary strength), trailing spaces ignored (PAD SPACE); leading spaces, tabs and newlines
// count. A matcher is for one goroutine (a collate.Collator keeps buffers).
type usernameMatcher struct {
	c   *collate.Collator
	key string
}

func newUsernameMatcher(username string) usernameMatcher {
	return usernameMatcher{c: collate.New(language.Und, collate.IgnoreCase, collate.IgnoreDiacritics, collate.IgnoreWidth), key: strings.TrimRight(username, " ")}
}

func (m usernameMatcher) match(username string) bool {
	return m.c.CompareString(strings.TrimRight(username, " "), m.key) == 0
}
