// Package character holds bangumi's characters (角色) and their links to subjects and persons.
package character

import "github.com/bangumi/chii/domain/mono"

// Character is a row of chii_characters with its chii_person_fields row (prsn_cat = 'crt').
type Character struct {
	ID       uint32
	Name     string
	Role     uint8 // 1 角色, 2 机体, 3 舰船, 4 组织
	Summary  string
	Infobox  string // raw wiki text
	Image    string
	Comments uint32
	Collects uint32
	Ban      uint8
	Redirect uint32
	NSFW     bool
	Fields   mono.Fields
}

// Locked is crt_ban != 0 (not crt_lock).
func (c Character) Locked() bool { return c.Ban != 0 }

// VisibleTo reports whether a viewer may see the character.
func (c Character) VisibleTo(allowNSFW bool) bool { return !c.NSFW || allowNSFW }

// Appearance links a character to a subject (chii_crt_subject_index).
type Appearance struct {
	CharacterID uint32
	SubjectID   uint32
	SubjectType uint8
	Type        uint8 // 1 主角, 2 配角 … see label.CharacterRole
	Order       uint16
}

// Cast links a character in a subject to the person who voices or plays it (chii_crt_cast_index).
type Cast struct {
	CharacterID uint32
	PersonID    uint32
	SubjectID   uint32
	SubjectType uint8
}
