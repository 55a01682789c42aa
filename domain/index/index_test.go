package index_test

import (
	"testing"

	"github.com/bangumi/chii/domain/index"
)

func TestIndex_VisibleTo(t *testing.T) {
	const creator, other = 7, 8
	for _, tc := range []struct {
		name      string
		privacy   uint8
		nsfw      bool
		viewer    uint32
		allowNSFW bool
		want      bool
	}{
		{"PublicToAnonymous", index.Public, false, 0, false, true},
		{"UnknownPrivacyIsPublic", 7, false, 0, false, true},
		{"DeletedNotEvenToCreator", index.Deleted, false, creator, true, false},
		{"PrivateToCreator", index.Private, false, creator, false, true},
		{"PrivateNotToOthers", index.Private, false, other, true, false},
		{"PrivateNotToAnonymous", index.Private, false, 0, false, false},
		{"NSFWNotToAnonymous", index.Public, true, 0, false, false},
		{"NSFWNotToYoungCreator", index.Public, true, creator, false, false},
		{"NSFWToOldAccount", index.Public, true, other, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := index.Index{ID: 1, CreatorID: creator, Privacy: tc.privacy, NSFW: tc.nsfw}
			if got := i.VisibleTo(tc.viewer, tc.allowNSFW); got != tc.want {
				t.Errorf("VisibleTo(%d, %v) = %v, want %v", tc.viewer, tc.allowNSFW, got, tc.want)
			}
		})
	}
}

func TestEntry_Listed(t *testing.T) {
	e := index.Entry{Cat: index.CatSubject, SubjectType: 2}
	if !e.Listed(0) || !e.Listed(2) || e.Listed(1) {
		t.Errorf("Listed of a type-2 subject entry: all %v, type 2 %v, type 1 %v", e.Listed(0), e.Listed(2), e.Listed(1))
	}
	if removed := (index.Entry{Cat: index.CatSubject, Removed: true}); removed.Listed(0) {
		t.Error("a removed entry is listed")
	}
	if other := (index.Entry{Cat: 1}); other.Listed(0) {
		t.Error("a non-subject entry is listed")
	}
}
