package contracttests

import (
	"testing"

	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/ports"
)

// Rows of the index tables, in a scrambled order.
var (
	appA5S100 = character.Appearance{CharacterID: 5, SubjectID: 100, SubjectType: 2, Type: 1}
	appA2S100 = character.Appearance{CharacterID: 2, SubjectID: 100, SubjectType: 2, Type: 2, Order: 3}
	appA2S50  = character.Appearance{CharacterID: 2, SubjectID: 50, SubjectType: 1, Type: 1}
	appA9S100 = character.Appearance{CharacterID: 9, SubjectID: 100, SubjectType: 2, Type: 6, Order: 1}
	appA2S75  = character.Appearance{CharacterID: 2, SubjectID: 75, SubjectType: 4, Type: 3}
	appA5S50  = character.Appearance{CharacterID: 5, SubjectID: 50, SubjectType: 1, Type: 2}

	castC5P30S100 = character.Cast{CharacterID: 5, PersonID: 30, SubjectID: 100, SubjectType: 2}
	castC2P31S100 = character.Cast{CharacterID: 2, PersonID: 31, SubjectID: 100, SubjectType: 2}
	castC2P30S100 = character.Cast{CharacterID: 2, PersonID: 30, SubjectID: 100, SubjectType: 2}
	castC9P20S100 = character.Cast{CharacterID: 9, PersonID: 20, SubjectID: 100, SubjectType: 2}
	castC2P30S50  = character.Cast{CharacterID: 2, PersonID: 30, SubjectID: 50, SubjectType: 1}
	castC5P30S50  = character.Cast{CharacterID: 5, PersonID: 30, SubjectID: 50, SubjectType: 1}
	castC2P31S75  = character.Cast{CharacterID: 2, PersonID: 31, SubjectID: 75, SubjectType: 4}

	creditP40S100Pos71 = person.Credit{PersonID: 40, SubjectID: 100, SubjectType: 2, Position: 71, AppearEps: "1-3"}
	creditP3S100Pos1   = person.Credit{PersonID: 3, SubjectID: 100, SubjectType: 2, Position: 1}
	creditP3S200Pos4   = person.Credit{PersonID: 3, SubjectID: 200, SubjectType: 2, Position: 4}
	creditP40S100Pos3  = person.Credit{PersonID: 40, SubjectID: 100, SubjectType: 2, Position: 3}
	creditP12S100Pos71 = person.Credit{PersonID: 12, SubjectID: 100, SubjectType: 2, Position: 71}
	creditP3S100Pos2   = person.Credit{PersonID: 3, SubjectID: 100, SubjectType: 2, Position: 2}
	creditP40S150Pos2  = person.Credit{PersonID: 40, SubjectID: 150, SubjectType: 1, Position: 2, AppearEps: "ep 2"}
)

func linkFixture() Fixture {
	return Fixture{
		Appearances: []character.Appearance{appA5S100, appA2S100, appA2S50, appA9S100, appA2S75, appA5S50},
		Casts:       []character.Cast{castC5P30S100, castC2P31S100, castC2P30S100, castC9P20S100, castC2P30S50, castC5P30S50, castC2P31S75},
		Credits: []person.Credit{
			creditP40S100Pos71, creditP3S100Pos1, creditP3S200Pos4, creditP40S100Pos3,
			creditP12S100Pos71, creditP3S100Pos2, creditP40S150Pos2,
		},
	}
}

// TestLinkRepository checks a ports.LinkRepository: filters and orders of each list.
//
// Credits by subject come in storage order: the order the rows were stored, which for a
// fresh store is the order of Fixture.Credits (no column reproduces bangumi's order there).
func TestLinkRepository(t *testing.T, newRepos NewRepos) {
	r := newRepos(t, linkFixture()).Links
	ctx := t.Context()

	for _, tc := range []struct {
		name string
		f    ports.AppearanceFilter
		want []character.Appearance
	}{
		{"Appearances/BySubjectOrderedByCharacter", ports.AppearanceFilter{SubjectID: 100}, []character.Appearance{appA2S100, appA5S100, appA9S100}},
		{"Appearances/ByCharacterOrderedBySubject", ports.AppearanceFilter{CharacterID: 2}, []character.Appearance{appA2S50, appA2S75, appA2S100}},
		{"Appearances/ByCharacterIDsOrderedByCharacterThenSubject", ports.AppearanceFilter{CharacterIDs: []uint32{9, 2, 404}}, []character.Appearance{appA2S50, appA2S75, appA2S100, appA9S100}},
		{"Appearances/BySubjectAndCharacter", ports.AppearanceFilter{SubjectID: 50, CharacterID: 5}, []character.Appearance{appA5S50}},
		{"Appearances/NoneIsEmpty", ports.AppearanceFilter{SubjectID: 404}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Appearances(ctx, tc.f)
			must(t, "Appearances", err)
			assertEqual(t, "Appearances", tc.want, got)
		})
	}

	for _, tc := range []struct {
		name string
		f    ports.CastFilter
		want []character.Cast
	}{
		{"Casts/BySubjectAndCharactersOrderedByPerson", ports.CastFilter{SubjectID: 100, CharacterIDs: []uint32{5, 2}}, []character.Cast{castC2P30S100, castC5P30S100, castC2P31S100}},
		{"Casts/ByCharacterOrderedByPersonThenSubject", ports.CastFilter{CharacterID: 2}, []character.Cast{castC2P30S50, castC2P30S100, castC2P31S75, castC2P31S100}},
		{"Casts/ByPersonOrderedBySubjectThenCharacter", ports.CastFilter{PersonID: 30}, []character.Cast{castC2P30S50, castC5P30S50, castC2P30S100, castC5P30S100}},
		{"Casts/ByCharacterAndPerson", ports.CastFilter{CharacterID: 2, PersonID: 31}, []character.Cast{castC2P31S75, castC2P31S100}},
		{"Casts/NoneIsEmpty", ports.CastFilter{PersonID: 404}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Casts(ctx, tc.f)
			must(t, "Casts", err)
			assertEqual(t, "Casts", tc.want, got)
		})
	}

	for _, tc := range []struct {
		name string
		f    ports.CreditFilter
		want []person.Credit
	}{
		{"Credits/BySubjectInStorageOrder", ports.CreditFilter{SubjectID: 100}, []person.Credit{
			creditP40S100Pos71, creditP3S100Pos1, creditP40S100Pos3, creditP12S100Pos71, creditP3S100Pos2,
		}},
		{"Credits/ByPersonOrderedBySubjectThenPositionDescending", ports.CreditFilter{PersonID: 3}, []person.Credit{
			creditP3S100Pos2, creditP3S100Pos1, creditP3S200Pos4,
		}},
		{"Credits/ByPersonKeepsEpisodes", ports.CreditFilter{PersonID: 40}, []person.Credit{
			creditP40S100Pos71, creditP40S100Pos3, creditP40S150Pos2,
		}},
		{"Credits/NoneIsEmpty", ports.CreditFilter{SubjectID: 404}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Credits(ctx, tc.f)
			must(t, "Credits", err)
			assertEqual(t, "Credits", tc.want, got)
		})
	}
}
