// Package person holds bangumi's persons (人物): people, companies and groups credited on subjects.
package person

import "github.com/bangumi/chii/domain/mono"

// Person is a row of chii_persons with its chii_person_fields row (prsn_cat = 'prsn').
type Person struct {
	ID       uint32
	Name     string
	Type     uint8 // 1 个人, 2 公司, 3 组合
	Career   Career
	Summary  string
	Infobox  string
	Image    string
	Comments uint32
	Collects uint32
	Ban      uint8
	Redirect uint32
	NSFW     bool
	Fields   mono.Fields
}

// Locked is prsn_ban != 0 (not prsn_lock).
func (p Person) Locked() bool { return p.Ban != 0 }

// Career is the set of career flags of a person.
type Career struct {
	Writer, Producer, Mangaka, Artist, Seiyu, Illustrator, Actor bool
}

// Names lists the careers in bangumi's fixed order; never nil.
func (c Career) Names() []string {
	out := make([]string, 0, 7)
	for _, f := range []struct {
		on   bool
		name string
	}{
		{c.Writer, "writer"}, {c.Producer, "producer"}, {c.Mangaka, "mangaka"}, {c.Artist, "artist"},
		{c.Seiyu, "seiyu"}, {c.Illustrator, "illustrator"}, {c.Actor, "actor"},
	} {
		if f.on {
			out = append(out, f.name)
		}
	}
	return out
}

// Credit links a person to a subject with a staff position (chii_person_cs_index).
type Credit struct {
	PersonID    uint32
	SubjectID   uint32
	SubjectType uint8
	Position    uint16
	AppearEps   string
}
