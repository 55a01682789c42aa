package user

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bangumi/chii/domain"
)

// Limits of a subject collection edit (http-v0-more.md §5.1; N4 for the tag length).
const (
	MaxRate          = 10
	MaxCommentRunes  = 380
	MaxTags          = 10
	MinTagRunes      = 2
	MaxTagRunes      = 30 // the width of chii_tag_neue_index.tag_name
	maxIPBytes       = 15 // interest_*_ip are char(15) (N23)
	privatePublic    = 0
	privatePrivate   = 1
	privateShadowBan = 2
)

// CollectionEdit is the body of POST and PATCH /v0/users/-/collections/{subject_id}: a nil
// field is left unchanged. Tags nil is unchanged, empty removes every tag.
type CollectionEdit struct {
	Type      *uint8
	Rate      *uint8
	EpStatus  *uint32
	VolStatus *uint32
	Comment   *string
	Private   *bool
	Tags      []string
	TagsGiven bool
}

// Normalizer is a Unicode normalization form (NFC, NFKC): the adapters hand in the
// implementation (golang.org/x/text), the rules below stay in the domain.
type Normalizer func(string) string

// printable is bangumi's rule for free text: letters, marks, numbers, punctuation, symbols
// and the ASCII space, plus \n, \t and \r.
func printable(s string) bool {
	for _, r := range s {
		switch {
		case r == ' ' || r == '\n' || r == '\t' || r == '\r':
		case unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S):
		default:
			return false
		}
	}
	return true
}

// validTag: non-empty, printable, only classes L, M, N, P, S, Z or \t\r\n, no ASCII space and
// no U+3000.
func validTag(s string) bool {
	if s == "" || !printable(s) {
		return false
	}
	for _, r := range s {
		if r == ' ' || r == '\u3000' {
			return false
		}
		if !(r == '\t' || r == '\r' || r == '\n' || unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z)) {
			return false
		}
	}
	return true
}

func invalid(msg string) error { return domain.Errorf(domain.ErrInvalid, "%s", msg) }

// Check validates e in bangumi's order (rate, tags, comment) and returns it normalised: the
// comment NFC-normalised and trimmed, the tags NFKC-normalised, trimmed and without
// duplicates (first occurrence kept). Errors wrap domain.ErrInvalid with bangumi's texts.
func (e CollectionEdit) Check(nfc, nfkc Normalizer) (CollectionEdit, error) {
	if e.Rate != nil && *e.Rate > MaxRate {
		return e, invalid("rate overflow")
	}
	if e.TagsGiven {
		if len(e.Tags) > MaxTags {
			return e, invalid("最多允许 10 个标签")
		}
		seen := map[string]bool{}
		out := make([]string, 0, len(e.Tags))
		for _, raw := range e.Tags {
			tag := nfkc(raw)
			if utf8.RuneCountInString(tag) < MinTagRunes {
				return e, invalid("tag 最短为两个字")
			}
			if !validTag(tag) {
				return e, invalid("invalid tag: " + strconv.Quote(tag))
			}
			tag = nfkc(strings.TrimSpace(tag))
			if utf8.RuneCountInString(tag) > MaxTagRunes {
				return e, invalid("tag too long, only allow less equal than 30 characters: " + strconv.Quote(tag))
			}
			if tag != "" && !seen[tag] {
				seen[tag] = true
				out = append(out, tag)
			}
		}
		e.Tags = out
	}
	if e.Comment != nil {
		c := strings.TrimSpace(nfc(*e.Comment))
		if !printable(c) {
			return e, invalid("invisible character are included in comment")
		}
		if utf8.RuneCountInString(c) > MaxCommentRunes {
			return e, invalid("comment too long, only allow less equal than 380 characters")
		}
		e.Comment = &c
	}
	return e, nil
}

// CollectionRecord is a whole chii_subject_interests row, as the write path reads and writes
// it. Comment is unescaped (the adapter stores it HTML-escaped); Tags are the stored names.
type CollectionRecord struct {
	SubjectCollection
	// Datelines are interest_{wish,collect,doing,on_hold,dropped}_dateline (unix seconds), by
	// collection type 1..5 (index 0 unused).
	Datelines   [6]int64
	CreateIP    string
	LastTouchIP string
}

// TagList is the stored interest_tag split on spaces.
func (r CollectionRecord) TagList() []string { return strings.Fields(r.Tags) }

// NewCollection is the row POST creates before the body applies: type doing (3).
func NewCollection(userID, subjectID uint32, subjectType uint8, now time.Time, ip string) CollectionRecord {
	r := CollectionRecord{SubjectCollection: SubjectCollection{
		UserID: userID, SubjectID: subjectID, SubjectType: subjectType, Type: CollectionDoing,
	}}
	r.Datelines[CollectionDoing] = now.Unix()
	r.CreateIP = clipIP(ip)
	return r
}

func clipIP(ip string) string {
	if len(ip) > maxIPBytes {
		return ip[:maxIPBytes]
	}
	return ip
}

// Apply returns r changed by the checked edit e at now from ip (§5.1, §5.3, §5.4 with N7):
// a new type stamps its dateline; a wish keeps no rate; the comment and tags set the shadow
// ban when either needs review (needsReview nil: never), and a banned row stays banned;
// private switches between public and private but never lifts a ban.
func (r CollectionRecord) Apply(e CollectionEdit, now time.Time, ip string, needsReview func(string) bool) CollectionRecord {
	if e.Type != nil && *e.Type != r.Type {
		r.Type = *e.Type
		if int(r.Type) < len(r.Datelines) {
			r.Datelines[r.Type] = now.Unix()
		}
	}
	if e.Rate != nil {
		r.Rate = *e.Rate
		if r.Type == CollectionWish { // a wish stores no rate; a type change alone keeps it
			r.Rate = 0
		}
	}
	if e.EpStatus != nil {
		r.EpStatus = *e.EpStatus
	}
	if e.VolStatus != nil {
		r.VolStatus = *e.VolStatus
	}
	review := false
	if e.Comment != nil {
		r.Comment = *e.Comment
		review = review || (needsReview != nil && needsReview(r.Comment))
	}
	if e.TagsGiven && needsReview != nil {
		review = review || needsReview(strings.Join(e.Tags, " "))
	}
	if review {
		r.Private = privateShadowBan
	}
	if e.Private != nil && r.Private != privateShadowBan {
		r.Private = privatePublic
		if *e.Private {
			r.Private = privatePrivate
		}
	}
	r.UpdatedAt = now
	r.LastTouchIP = clipIP(ip)
	return r
}

// CountsInRating reports whether the row counts in its subject's rating buckets: collected
// (type ≠ 0), rated, and not shadow-banned (D12 on N5: private rows count).
func (r SubjectCollection) CountsInRating() bool {
	return r.Type != 0 && r.Rate > 0 && r.Private != privateShadowBan
}
