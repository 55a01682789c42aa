// Package mono holds what characters and persons ("mono" in bangumi) share.
package mono

// Category tells characters from persons where bangumi stores both in one table.
type Category uint8

const (
	Character Category = 1 // 'crt'
	Person    Category = 2 // 'prsn'
)

// String returns the database enum value ('crt' or 'prsn').
func (c Category) String() string {
	switch c {
	case Character:
		return "crt"
	case Person:
		return "prsn"
	}
	return ""
}

// Noun is the word used in API messages ("character", "person").
func (c Category) Noun() string {
	switch c {
	case Character:
		return "character"
	case Person:
		return "person"
	}
	return "mono"
}

// Fields are the structured personal fields (chii_person_fields); zero means unknown.
type Fields struct {
	Gender    uint8
	BloodType uint8
	BirthYear uint16
	BirthMon  uint8
	BirthDay  uint8
}

// GenderName maps the stored gender to the API value; "" means null.
func (f Fields) GenderName() string {
	switch f.Gender {
	case 1:
		return "male"
	case 2:
		return "female"
	}
	return ""
}
