// Package user holds bangumi's members and their subject collections (收藏).
package user

import "time"

// User is a row of chii_members.
type User struct {
	ID       uint32
	Username string
	Nickname string
	GroupID  uint16
	RegTime  time.Time
	// Avatar is the stored avatar path (chii_members.avatar), "" for none; AvatarOf builds its URLs.
	Avatar string
	// Sign is the signature as stored: HTML-escaped (Signature unescapes it).
	Sign string
	// Email is chii_members.email; only its owner sees it (GET /v0/me).
	Email string
	// TimeOffset is chii_members.timeoffset as stored (char(4)); TimeOffsetHours reads it.
	TimeOffset string
	// ACL is chii_members.acl as stored (auth.ParsePermissions reads it); GroupPermissions is
	// the usr_grp_perm of the member's group (chii_usergroup), "" when the group is unknown.
	ACL, GroupPermissions string
}

// Collection types of a subject collection.
const (
	CollectionWish    uint8 = 1
	CollectionDone    uint8 = 2
	CollectionDoing   uint8 = 3
	CollectionOnHold  uint8 = 4
	CollectionDropped uint8 = 5
)

// ValidCollectionType reports whether t is 1..5.
func ValidCollectionType(t uint8) bool { return t >= CollectionWish && t <= CollectionDropped }

// SubjectCollection is a row of chii_subject_interests.
type SubjectCollection struct {
	ID          uint32
	UserID      uint32
	SubjectID   uint32
	SubjectType uint8
	Rate        uint8
	Type        uint8
	Comment     string
	Tags        string // space separated, as stored
	EpStatus    uint32
	VolStatus   uint32
	UpdatedAt   time.Time
	Private     uint8 // 0 public, 1 private, 2 shadow-banned: both non-zero values hide it
}

// IsPrivate reports whether only the owner may see the collection.
func (c SubjectCollection) IsPrivate() bool { return c.Private != 0 }

// SubjectCollectionFilter selects a user's subject collections.
type SubjectCollectionFilter struct {
	UserID      uint32
	SubjectType uint8 // 0: every type
	Type        uint8 // 0: every collection type
	ShowPrivate bool
}
