// Package revision holds bangumi's edit history (版本): the revisions of subjects
// (chii_subject_revisions) and of characters, persons and episodes (chii_rev_history, whose
// data lives in chii_rev_text as raw DEFLATE of PHP serialize() output), and the decoder of
// that stored text (http-v0-more.md §8).
package revision

import (
	"slices"
	"time"
)

// Kind is the entity a revision list or detail is about.
type Kind uint8

// The kinds of revisions.
const (
	KindSubject Kind = iota + 1
	KindCharacter
	KindPerson
	KindEpisode
)

// String is the kind's name in the routes (/v0/revisions/<kind>).
func (k Kind) String() string {
	switch k {
	case KindSubject:
		return "subjects"
	case KindCharacter:
		return "characters"
	case KindPerson:
		return "persons"
	case KindEpisode:
		return "episodes"
	}
	return "unknown"
}

// Revision types of chii_rev_history exposed per kind (§8.1). Subject-related types of that
// table (1, 5, 6, 10, 11, 12, 17, 103, 104) are never exposed; subject revisions live in
// chii_subject_revisions, where every type is exposed.
var (
	personTypes    = []uint8{3, 8, 9, 15, 16}
	characterTypes = []uint8{2, 4, 7, 13, 14}
	episodeTypes   = []uint8{18, 181, 182, 183, 184, 185}
)

// Types returns the chii_rev_history types of kind k (a fresh slice), nil for Subject (every
// type of chii_subject_revisions) and for an unknown kind.
func (k Kind) Types() []uint8 {
	switch k {
	case KindCharacter:
		return slices.Clone(characterTypes)
	case KindPerson:
		return slices.Clone(personTypes)
	case KindEpisode:
		return slices.Clone(episodeTypes)
	}
	return nil
}

// HasType reports whether a chii_rev_history row of type t belongs to kind k.
func (k Kind) HasType(t uint8) bool {
	switch k {
	case KindCharacter:
		return slices.Contains(characterTypes, t)
	case KindPerson:
		return slices.Contains(personTypes, t)
	case KindEpisode:
		return slices.Contains(episodeTypes, t)
	}
	return false
}

// Creator is the member who made a revision; zero (both "") when the member row is missing.
type Creator struct {
	Username string
	Nickname string
}

// Revision is one revision: a chii_rev_history row (with its text on a detail read) or a
// chii_subject_revisions row (with its Subject data).
type Revision struct {
	ID        uint32
	Type      uint8
	EntityID  uint32 // rev_mid, or rev_subject_id for a subject revision
	CreatorID uint32
	Creator   Creator
	CreatedAt time.Time
	Summary   string // rev_edit_summary, raw
	// Text is the stored chii_rev_text.rev_text (DEFLATE + PHP serialize), only on a detail
	// read of a character, person or episode revision; Decode reads it.
	Text []byte
	// Subject is the data of a subject revision (zero for the other kinds).
	Subject SubjectData
}

// SubjectData is what a chii_subject_revisions row records, raw (no HTML unescaping).
type SubjectData struct {
	Name      string
	NameCN    string
	VoteField string
	Infobox   string
	Summary   string
	Platform  uint16
	TypeID    uint16
	SubjectID uint32
	Eps       uint32
	Type      uint8
}
