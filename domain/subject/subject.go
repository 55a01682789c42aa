// Package subject holds bangumi's subjects (条目): books, anime, music, games and real-life shows.
package subject

import "time"

// Subject types.
const (
	TypeBook  uint8 = 1
	TypeAnime uint8 = 2
	TypeMusic uint8 = 3
	TypeGame  uint8 = 4
	TypeReal  uint8 = 6
)

// ValidType reports whether t is one of the five subject types.
func ValidType(t uint8) bool {
	switch t {
	case TypeBook, TypeAnime, TypeMusic, TypeGame, TypeReal:
		return true
	}
	return false
}

// Subject is a row of chii_subjects with its chii_subject_fields row.
// Text columns are stored HTML-escaped; repositories return them unescaped where the API does.
type Subject struct {
	ID       uint32
	Type     uint8
	Name     string
	NameCN   string
	Summary  string
	Infobox  string // raw wiki text
	Image    string // relative path, "" when none
	Platform uint16
	Volumes  uint32
	Eps      uint32
	Series   bool
	NSFW     bool
	Ban      uint8  // 1 banned, 2 locked
	Redirect uint32 // non-zero: merged into that subject
	// Date is the air/publish date; the zero time means unknown.
	Date       time.Time
	RateCounts [10]uint32 // votes for scores 1..10
	Rank       uint32
	Tags       []Tag
	// MetaTagsField is the space-separated field_meta_tags column (search documents use it).
	MetaTagsField string
	Collection    Collection
}

// Locked reports whether the subject is locked against edits (subject_ban == 2).
func (s Subject) Locked() bool { return s.Ban == 2 }

// Rating derives the rating object from the vote counts.
func (s Subject) Rating() Rating { return NewRating(s.RateCounts, s.Rank) }

// VisibleTo reports whether a viewer may see the subject: NSFW subjects need allowNSFW.
func (s Subject) VisibleTo(allowNSFW bool) bool { return !s.NSFW || allowNSFW }

// Tag is a user tag with its counts, in stored order.
type Tag struct {
	Name       string
	Count      int
	TotalCount int
}

// Collection counts how many users have the subject in each collection state.
type Collection struct {
	Wish, Collect, Doing, OnHold, Dropped uint32
}

// Total is the sum of every state.
func (c Collection) Total() uint32 { return c.Wish + c.Collect + c.Doing + c.OnHold + c.Dropped }

// Relation links a subject to a related subject (chii_subject_relations).
type Relation struct {
	SubjectID    uint32
	RelatedID    uint32
	RelationType uint16
	Order        uint16
}
