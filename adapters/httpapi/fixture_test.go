package httpapi

import (
	"time"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/collect"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/user"
)

// The fixture mirrors the rows of bangumi's dev dataset (plus the golden fixture-adjust.sql)
// that the golden cases replayed by TestGolden need, and a few more for the handler tests.

const (
	uidOld      = 382951 // registered 2017, may see NSFW; username "382951"
	uidTreehole = 318250 // registered 2017; username "treehole2"
	uidYoung    = 900001 // registered a day ago; username "parity_young"

	tokenOld      = "a_development_access_token"
	tokenExpired  = "a_expired_token"
	tokenYoung    = "parity_young_user_token"
	tokenReadonly = "parity_readonly_token" // user 382951 without write:collection
	tokenTreehole = "parity_treehole2_token"
)

func ptr[T any](v T) *T { return &v }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func seed(st *inmem.Store) {
	seedBrowse(st)
	reg2017 := day(2017, 12, 3)
	st.PutUser(
		// The profiles of bangumi's dev dataset (GET /v0/me, /v0/users/{username} answer them in full).
		user.User{
			ID: uidOld, Username: "382951", Nickname: "树洞酱", GroupID: 10, RegTime: time.Unix(1512262276, 0).UTC(),
			Avatar: "000/38/29/382951.jpg?r=1571167246", Sign: "treeholechan@gmail.com 密码:lovemeplease",
			Email: "treeholechan@gmail.com", TimeOffset: "9999",
		},
		user.User{
			ID: uidTreehole, Username: "treehole2", Nickname: "树洞2", GroupID: 10, RegTime: reg2017,
			Sign: "o &lt;img src=&quot;#&quot; &gt;&lt;/img&gt;", Email: "treeholechan2@gmail.com", TimeOffset: "9999",
		},
		user.User{ID: uidYoung, Username: "parity_young", Nickname: "parity young", GroupID: 10, RegTime: testNow.Add(-24 * time.Hour)},
		user.User{ID: 1, Username: "1", GroupID: 1, RegTime: day(2008, 7, 14)},
		user.User{ID: 4, Username: "4", GroupID: 10, RegTime: day(2008, 7, 14)},
		user.User{ID: 6162, Username: "6162", GroupID: 10, RegTime: day(2008, 7, 14)},
	)
	forever := day(2037, 12, 31)
	st.PutToken(tokenOld, forever, auth.Token{UserID: "382951"})
	st.PutToken(tokenExpired, day(2020, 12, 21), auth.Token{UserID: "382951"})
	st.PutToken(tokenYoung, forever, auth.Token{UserID: "900001"})
	st.PutToken(tokenReadonly, forever, auth.Token{UserID: "382951", Scope: ptr(`{"write:indices":true}`)})
	st.PutToken(tokenTreehole, forever, auth.Token{UserID: "318250"})
	st.PutToken("parity_indices_token", forever, auth.Token{UserID: "382951", Scope: ptr(`{"write:collection":true,"write:indices":true}`)})

	st.PutSubject(
		subject.Subject{ID: 1, Type: subject.TypeBook, Name: "第一次的親密接觸", NameCN: "第一次的亲密接触",
			Image: "c4/ca/1_EcYzQ.jpg", Platform: 1002, Date: day(1998, 9, 25),
			Infobox:    "{{Infobox animanga/Novel\r\n|中文名= 第一次的亲密接触\r\n|作者= 蔡智恒\r\n|册数=\r\n}}",
			RateCounts: [10]uint32{0, 0, 1, 0, 0, 9, 16, 31, 8, 4}, Rank: 1573,
			Tags: []subject.Tag{{Name: "小说", Count: 10}, {Name: "台湾", Count: 3, TotalCount: 7}}},
		subject.Subject{ID: 3, Type: subject.TypeAnime, Name: "merged", Ban: 1, Redirect: 1836},
		subject.Subject{ID: 18, Type: subject.TypeAnime, Name: "merged", Redirect: 19},
		subject.Subject{ID: 3625, Type: subject.TypeReal, Name: "merged", Ban: 1, Redirect: 2782},
		subject.Subject{ID: 4, Type: subject.TypeGame, Name: "メタルスラッグ7", NameCN: "合金弹头7", Image: "a8/7f/4_cMMK5.jpg"},
		subject.Subject{ID: 5, Type: subject.TypeGame, Name: "Call of Duty 4", NameCN: "使命召唤 4: 现代战争", Image: "e4/da/5_wUARf.jpg"},
		subject.Subject{ID: 8, Type: subject.TypeAnime, Name: "コードギアス 反逆のルルーシュR2", NameCN: "Code Geass 反叛的鲁路修R2",
			Image: "c9/f0/8_wK0z3.jpg", Platform: 1, Eps: 25, Date: day(2008, 4, 6),
			RateCounts: [10]uint32{44, 15, 32, 66, 145, 457, 1472, 3190, 2640, 1377}, Rank: 121,
			Collection: subject.Collection{Wish: 622, Collect: 13216, Doing: 147, OnHold: 224, Dropped: 115}},
		subject.Subject{ID: 12, Type: subject.TypeAnime, Name: "ちょびっツ", NameCN: "人形电脑天使心", Image: "c2/0a/12_aDoa8.jpg", Platform: 1},
		subject.Subject{ID: 13, Type: subject.TypeGame, Name: "CLANNAD", Platform: 0},
		subject.Subject{ID: 16, Type: subject.TypeMusic, Name: "Thanatos", NSFW: true},
		subject.Subject{ID: 19, Type: subject.TypeAnime, Name: "related", Image: "aa/bb/19.jpg"},
		subject.Subject{ID: 2703, Type: subject.TypeReal, Name: "Criminal Minds (Season 5)", NameCN: "犯罪心理 第五季", Platform: 1},
		// subjects of the golden write sequences, not collected before them
		subject.Subject{ID: 283, Type: subject.TypeAnime, Name: "283"},
		subject.Subject{ID: 292, Type: subject.TypeAnime, Name: "292"},
		subject.Subject{ID: 22267, Type: subject.TypeBook, Name: "22267"},
		subject.Subject{ID: 62229, Type: subject.TypeGame, Name: "ゼルダの伝説 ブレス オブ ザ ワイルド", Platform: 4001},
		subject.Subject{ID: 220165, Type: subject.TypeGame, Name: "BALDR BRINGER", NSFW: true},
		subject.Subject{ID: 363612, Type: subject.TypeAnime, Name: "沙盒", NameCN: "沙盒", Image: "82/15/363612_6uauA.jpg",
			NSFW: true, Platform: 1, Eps: 7, Date: time.Date(0, 10, 6, 0, 0, 0, 0, time.UTC),
			RateCounts: [10]uint32{2, 0, 0, 0, 0, 0, 1, 1, 0, 1}},
	)
	st.PutEpisodes(8, 25, 2)
	st.PutMetaTags(8, subject.TypeAnime, "机战", "TV", "原创", "战斗")
	st.PutRelation(
		subject.Relation{SubjectID: 8, RelatedID: 19, RelationType: 3, Order: 1},
		subject.Relation{SubjectID: 8, RelatedID: 363612, RelationType: 2, Order: 2}, // NSFW: only for some viewers
		subject.Relation{SubjectID: 8, RelatedID: 999998, RelationType: 1, Order: 3}, // missing: skipped
	)

	st.PutCharacter(
		character.Character{ID: 1, Name: "ルルーシュ・ランペルージ", Role: 1, Image: "7b/3a/1_crt_8V556.jpg?r=1603459589",
			Infobox: "{{Infobox Crt\n|简体中文名= 鲁路修·兰佩路基\n|别名={\n[L.L.]\n[英文名|Lelouch Lamperouge]\n[纯假名|]\n}\n" +
				"|昵称={\n[昵称|]\n}\n|BWH=\n}}",
			Comments: 111, Collects: 667, Fields: mono.Fields{Gender: 1, BirthMon: 12, BirthDay: 5}},
		character.Character{ID: 2, Name: "枢木スザク", Role: 1, Image: "6f/40/2_crt_08diJ.jpg?r=1581939778"},
		character.Character{ID: 3, Name: "C.C.", Role: 1, Image: "83/62/3_crt_7Jhis.jpg?r=1573280268"},
		character.Character{ID: 6, Name: "伊吹風子", Role: 1, Ban: 1},
		character.Character{ID: 46, Name: "46", Role: 1},
		character.Character{ID: 55, Name: "merged", Role: 1, Redirect: 54},
		character.Character{ID: 202, Name: "merged", Role: 1, Redirect: 276},
		character.Character{ID: 90001, Name: "パリティ", Role: 1,
			Infobox: "{{Infobox Crt\r\n|简体中文名= 奇偶校验\r\n|性别= 女\r\n|生日= 4月1日\r\n}}",
			Summary: "parity fixture NSFW character", Collects: 3, NSFW: true},
	)
	st.PutAppearance(
		character.Appearance{CharacterID: 1, SubjectID: 8, SubjectType: 2, Type: 1},
		character.Appearance{CharacterID: 6, SubjectID: 13, SubjectType: 4, Type: 1},
		character.Appearance{CharacterID: 46, SubjectID: 12, SubjectType: 2, Type: 2},
		character.Appearance{CharacterID: 90001, SubjectID: 12, SubjectType: 2, Type: 1, Order: 99},
		character.Appearance{CharacterID: 90001, SubjectID: 363612, SubjectType: 2, Type: 1},
	)
	st.PutCast(
		character.Cast{CharacterID: 1, PersonID: 5076, SubjectID: 8, SubjectType: 2},
		character.Cast{CharacterID: 1, PersonID: 999999, SubjectID: 8, SubjectType: 2}, // missing person
		character.Cast{CharacterID: 6, PersonID: 999990, SubjectID: 13, SubjectType: 4},
		character.Cast{CharacterID: 6, PersonID: 999991, SubjectID: 999992, SubjectType: 4},
		character.Cast{CharacterID: 6, PersonID: 999994, SubjectID: 999995, SubjectType: 4},
		character.Cast{CharacterID: 6, PersonID: 999996, SubjectID: 999997, SubjectType: 4},
		character.Cast{CharacterID: 46, PersonID: 999993, SubjectID: 12, SubjectType: 2},
		character.Cast{CharacterID: 90001, PersonID: 1, SubjectID: 12, SubjectType: 2},
	)

	st.PutPerson(
		person.Person{ID: 1, Name: "水樹奈々", Type: 1, Image: "a6/e8/1_prsn_ZdFfp.jpg?r=1597241889",
			Infobox: "{{Infobox Crt\r\n|简体中文名= 水树奈奈\r\n}}",
			Career:  person.Career{Seiyu: true, Artist: true}, Fields: mono.Fields{Gender: 2, BloodType: 1, BirthYear: 1980, BirthMon: 1, BirthDay: 21}},
		person.Person{ID: 2, Name: "遠藤明範", Type: 1, Career: person.Career{Producer: true}, Fields: mono.Fields{Gender: 1, BirthMon: 19, BirthDay: 9}},
		person.Person{ID: 3, Name: "3", Type: 1},
		person.Person{ID: 4, Name: "4", Type: 1},
		person.Person{ID: 9, Name: "9", Type: 1},
		person.Person{ID: 10, Name: "merged", Type: 1, Redirect: 2},
		person.Person{ID: 27, Name: "27", Type: 1},
		person.Person{ID: 39, Name: "39", Type: 1},
		person.Person{ID: 40, Name: "nsfw", Type: 1, NSFW: true},
		person.Person{ID: 7985, Name: "7985", Type: 1},
		person.Person{ID: 3269, Name: "3269", Type: 1},
		person.Person{ID: 5076, Name: "福山潤", Type: 1, Career: person.Career{Seiyu: true}, Summary: "声優", Ban: 1},
	)
	st.PutCredit(
		person.Credit{PersonID: 2, SubjectID: 4, SubjectType: 4, Position: 0},
		person.Credit{PersonID: 2, SubjectID: 5, SubjectType: 4, Position: 0},
		person.Credit{PersonID: 3269, SubjectID: 12, SubjectType: 2, Position: 15},
		person.Credit{PersonID: 5076, SubjectID: 12, SubjectType: 2, Position: 15, AppearEps: "1-3"},
		person.Credit{PersonID: 999999, SubjectID: 12, SubjectType: 2, Position: 1}, // missing person: zero item
	)

	// 382951: 26 public collections (most of their subjects are not in the fixture) and a private one.
	st.PutSubjectCollection(
		user.SubjectCollection{ID: 900001, UserID: uidOld, SubjectID: 12, SubjectType: 2, Rate: 8, Type: 3,
			Comment: "parity private comment", Tags: "parity 私密", EpStatus: 3, UpdatedAt: time.Unix(1700000000, 0), Private: 1},
		user.SubjectCollection{ID: 900002, UserID: uidOld, SubjectID: 363612, SubjectType: 2, Rate: 6, Type: 2,
			UpdatedAt: time.Unix(1700000100, 0)},
		user.SubjectCollection{ID: 900003, UserID: uidYoung, SubjectID: 363612, SubjectType: 2, Type: 1,
			UpdatedAt: time.Unix(1700000200, 0)},
		user.SubjectCollection{ID: 900004, UserID: uidYoung, SubjectID: 8, SubjectType: 2, Rate: 10, Type: 2,
			Comment: "young comment", UpdatedAt: time.Unix(1700000300, 0)},
		user.SubjectCollection{ID: 5, UserID: uidOld, SubjectID: 4, SubjectType: 4, Type: 2,
			UpdatedAt: time.Date(2021, 12, 15, 12, 0, 0, 0, time.UTC)},
		user.SubjectCollection{ID: 4, UserID: uidOld, SubjectID: 8, SubjectType: 2, Type: 2, Comment: "test comment",
			Tags: "SUNRISE", EpStatus: 23, UpdatedAt: time.Date(2021, 12, 15, 11, 56, 11, 0, time.UTC)},
	)
	for i := range 23 {
		st.PutSubjectCollection(user.SubjectCollection{ID: uint32(100 + i), UserID: uidOld, SubjectID: uint32(500000 + i),
			SubjectType: 4, Type: 1, UpdatedAt: time.Date(2020, 1, 1, 0, 0, i, 0, time.UTC)})
	}

	st.PutMonoCollect(collect.MonoCollect{Category: mono.Character, TargetID: 3, UserID: 1,
		CreatedAt: time.Date(2011, 1, 31, 17, 38, 55, 0, time.UTC)})
	for i := range 16 {
		target := uint32(800000 + i) // missing characters: counted, not listed
		switch i {
		case 15:
			target = 3
		case 14:
			target = 1
		}
		st.PutMonoCollect(collect.MonoCollect{Category: mono.Character, TargetID: target, UserID: 6162,
			CreatedAt: time.Date(2011, 1, 31, 17, 0, i, 0, time.UTC)})
	}
	st.PutMonoCollect(collect.MonoCollect{Category: mono.Person, TargetID: 888888, UserID: 4, CreatedAt: day(2012, 1, 1)})
	seedRevisions(st)
	seedIndices(st)
	seedEpisodes(st)
}
