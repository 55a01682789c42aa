package user

import "testing"

func TestValidCollectionType(t *testing.T) {
	for typ, want := range map[uint8]bool{0: false, 1: true, 2: true, 3: true, 4: true, 5: true, 6: false, 255: false} {
		if got := ValidCollectionType(typ); got != want {
			t.Errorf("ValidCollectionType(%d) = %v, want %v", typ, got, want)
		}
	}
}

func TestSubjectCollection_IsPrivate(t *testing.T) {
	// 0 public; 1 private and 2 shadow-banned both hide the collection from others.
	for private, want := range map[uint8]bool{0: false, 1: true, 2: true} {
		if got := (SubjectCollection{Private: private}).IsPrivate(); got != want {
			t.Errorf("IsPrivate() with private = %d: %v, want %v", private, got, want)
		}
	}
}
