// Package index holds bangumi's indices (目录): user-made lists of subjects (chii_index and
// chii_index_related), and the rule of who may see one (http-v0-more.md §7.1).
package index

import (
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bangumi/chii/domain/subject"
)

// Privacy values of chii_index.idx_ban. Any other value counts as public.
const (
	Public  uint8 = 0
	Deleted uint8 = 1
	Private uint8 = 2
)

// CatSubject is the idx_rlt_cat of an entry that lists a subject (the only kind /v0 shows).
const CatSubject uint8 = 0

// Creator is the member who made an index; zero (both "") when the member row is missing
// (N15: bangumi answered 500, chii answers the index).
type Creator struct {
	Username string
	Nickname string
}

// Index is a chii_index row with its creator and its NSFW flag. Title and Desc are raw.
type Index struct {
	ID        uint32
	Title     string
	Desc      string
	Replies   uint32 // idx_replies
	Total     uint32 // idx_subject_total, the stored counter
	Collects  uint32 // idx_collects
	CreatedAt time.Time
	UpdatedAt time.Time
	CreatorID uint32
	Creator   Creator
	Privacy   uint8 // idx_ban
	// NSFW: the index lists (as a subject entry not removed) a subject with subject_nsfw = 1.
	// Repositories compute it on every read.
	NSFW bool
}

// VisibleTo reports whether a viewer (viewerID 0 when anonymous) may see the index: not
// deleted, not private unless the viewer made it, and not NSFW unless allowNSFW (D1).
func (i Index) VisibleTo(viewerID uint32, allowNSFW bool) bool {
	switch {
	case i.Privacy == Deleted:
		return false
	case i.Privacy == Private && (viewerID == 0 || viewerID != i.CreatorID):
		return false
	case i.NSFW && !allowNSFW:
		return false
	}
	return true
}

// Entry is a chii_index_related row: one item of an index.
type Entry struct {
	ID          uint32 // idx_rlt_id, the primary key (the tie-breaker of the order, D10)
	IndexID     uint32 // idx_rlt_rid
	Cat         uint8  // idx_rlt_cat; CatSubject for a subject
	SubjectType uint8  // idx_rlt_type: the subject's type when it was added
	TargetID    uint32 // idx_rlt_sid
	Order       uint32 // idx_rlt_order
	Comment     string // idx_rlt_comment, raw
	AddedAt     time.Time
	Removed     bool // idx_rlt_ban = 1: removed from the index, never read
}

// Listed reports whether e is a subject entry of the index's subject list, optionally only of
// subjectType (0: every type).
func (e Entry) Listed(subjectType uint8) bool {
	return !e.Removed && e.Cat == CatSubject && (subjectType == 0 || e.SubjectType == subjectType)
}

// Subject is a listed subject entry with its subject (zero when the subject row is missing).
type Subject struct {
	Entry   Entry
	Subject subject.Subject
}

// ScopeWrite is the token scope of the index writes (create, edit, list subjects); collecting
// an index needs auth.ScopeWriteCollection instead (http-v0-more.md §0.1).
const ScopeWrite = "write:indices"

// MaxTitleLength is the most characters a title may have: idx_title is a varchar(80), which
// bangumi let MySQL truncate (N22: chii answers 400 instead; an empty title stays allowed).
const MaxTitleLength = 80

// Printable reports whether s holds only Unicode letters, marks, numbers, punctuation,
// symbols, the ASCII space, '\n', '\t' and '\r' (bangumi's rule for titles, descriptions and
// comments, §5.1): other spaces (U+3000, U+00A0), control, zero-width and bidi characters fail.
func Printable(s string) bool {
	for _, r := range s {
		if r == '\n' || r == '\t' || r == '\r' {
			continue
		}
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// TitleFits reports whether title has at most MaxTitleLength characters.
func TitleFits(title string) bool { return utf8.RuneCountInString(title) <= MaxTitleLength }

// Collect is a chii_index_collects row: a user collected (收藏) an index.
type Collect struct {
	IndexID   uint32 // idx_clt_mid
	UserID    uint32 // idx_clt_uid
	CreatedAt time.Time
}

// Edit is a change of an index's title and description; an empty field is left as it is
// (§7.7: bangumi updates only the non-empty fields).
type Edit struct {
	Title, Desc string
}

// Empty reports whether the edit changes nothing (§7.7: "request data is empty").
func (e Edit) Empty() bool { return e.Title == "" && e.Desc == "" }
