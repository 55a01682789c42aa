package subject_test

import (
	"testing"

	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/subject"
)

// locked follows bangumi's columns: a subject is locked when subject_ban is 2 (1 is banned,
// which is returned and not locked); characters and persons when their ban is non-zero.
func TestLocked(t *testing.T) {
	for ban, want := range map[uint8]bool{0: false, 1: false, 2: true} {
		if got := (subject.Subject{Ban: ban}).Locked(); got != want {
			t.Errorf("subject ban %d: Locked() = %v, want %v", ban, got, want)
		}
	}
	for ban, want := range map[uint8]bool{0: false, 1: true, 2: true} {
		if got := (character.Character{Ban: ban}).Locked(); got != want {
			t.Errorf("character ban %d: Locked() = %v, want %v", ban, got, want)
		}
		if got := (person.Person{Ban: ban}).Locked(); got != want {
			t.Errorf("person ban %d: Locked() = %v, want %v", ban, got, want)
		}
	}
}

func TestVisibleTo(t *testing.T) {
	sfw, nsfw := subject.Subject{}, subject.Subject{NSFW: true}
	if !sfw.VisibleTo(false) || !sfw.VisibleTo(true) || nsfw.VisibleTo(false) || !nsfw.VisibleTo(true) {
		t.Error("subject VisibleTo does not follow the NSFW rule")
	}
	if (character.Character{NSFW: true}).VisibleTo(false) || !(character.Character{NSFW: true}).VisibleTo(true) {
		t.Error("character VisibleTo does not follow the NSFW rule")
	}
}

func TestCollection_Total(t *testing.T) {
	c := subject.Collection{Wish: 622, Collect: 13216, Doing: 147, OnHold: 224, Dropped: 115}
	if got := c.Total(); got != 14324 {
		t.Errorf("Total() = %d, want 14324", got)
	}
}

func TestValidType(t *testing.T) {
	for typ, want := range map[uint8]bool{0: false, 1: true, 2: true, 3: true, 4: true, 5: false, 6: true, 7: false} {
		if got := subject.ValidType(typ); got != want {
			t.Errorf("ValidType(%d) = %v, want %v", typ, got, want)
		}
	}
}
