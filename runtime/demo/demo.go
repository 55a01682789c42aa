// Package demo is the small sample dataset the embedded demo server serves when no MySQL is
// configured: a few subjects, characters and persons with their links, one NSFW subject,
// one merged subject and character, and one user with an access token.
package demo

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

// Token is the demo user's access token (legacy scope: every scope).
const Token = "demo-access-token"

// Username is the demo user's name.
const Username = "demo"

// UserID is the demo user's id.
const UserID = 1

// Seed fills store with the demo dataset; now dates the user's registration (old enough
// to see NSFW subjects) and the token's expiry.
func Seed(store *inmem.Store, now time.Time) {
	seedRevisions(store, now)
	seedIndices(store, now)
	seedEpisodes(store, now)
	store.PutSubject(
		subject.Subject{
			ID: 1, Type: subject.TypeAnime, Name: "星の海の記録", NameCN: "星海记录",
			Summary: "一艘旧式货船在星海间漂流，船员们记录下沿途的每一颗星。",
			Infobox: "{{Infobox animanga/TVAnime\n|中文名= 星海记录\n|别名={\n[Star Sea Log]\n[罗马字|Hoshi no Umi no Kiroku]\n}\n|话数= 12\n|放送开始= 2024年4月6日\n|放送星期= \n}}",
			Image:   "demo/1_cover.jpg", Platform: 1, Eps: 12,
			Date:       time.Date(2024, 4, 6, 0, 0, 0, 0, time.UTC),
			RateCounts: [10]uint32{1, 0, 2, 3, 8, 20, 45, 60, 30, 11}, Rank: 42,
			Tags:       []subject.Tag{{Name: "科幻", Count: 120}, {Name: "原创", Count: 80}, {Name: "2024", Count: 33}},
			Collection: subject.Collection{Wish: 120, Collect: 300, Doing: 45, OnHold: 12, Dropped: 7},
		},
		subject.Subject{
			ID: 2, Type: subject.TypeBook, Name: "星の海の記録 設定資料集", NameCN: "星海记录 设定资料集",
			Summary: "动画《星海记录》的官方设定资料集。", Infobox: "{{Infobox animanga/Book\n|中文名= 星海记录 设定资料集\n|页数= 160\n}}",
			Platform: 1001, Volumes: 1,
			Date:       time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC),
			Collection: subject.Collection{Wish: 10, Collect: 25},
		},
		subject.Subject{
			ID: 3, Type: subject.TypeAnime, Name: "星の海の記録 (旧)", Redirect: 1,
			Summary: "已合并到条目 1。",
		},
		subject.Subject{
			ID: 4, Type: subject.TypeGame, Name: "夜の庭", NameCN: "夜之庭", NSFW: true,
			Summary: "仅限成年用户查看的示例条目。", Platform: 4,
			Collection: subject.Collection{Wish: 3},
		},
		subject.Subject{
			ID: 5, Type: subject.TypeMusic, Name: "星の海の記録 OST", NameCN: "星海记录 原声带",
			Summary: "动画原声音乐。", Collection: subject.Collection{Collect: 12},
		},
	)
	store.PutMetaTags(1, subject.TypeAnime, "科幻", "原创", "TV")
	store.PutRelation(
		subject.Relation{SubjectID: 1, RelatedID: 2, RelationType: 1003, Order: 1},
		subject.Relation{SubjectID: 1, RelatedID: 5, RelationType: 3, Order: 2},
		subject.Relation{SubjectID: 1, RelatedID: 4, RelationType: 1, Order: 3},
		subject.Relation{SubjectID: 2, RelatedID: 1, RelationType: 1002, Order: 1},
	)

	store.PutCharacter(
		character.Character{
			ID: 1, Name: "ミラ・ステラ", Role: 1, Summary: "货船的年轻船长，喜欢给星星起名字。",
			Infobox: "{{Infobox Crt\n|简体中文名= 米拉·斯特拉\n|别名={\n[英文名|Mira Stella]\n[昵称|]\n}\n|性别= 女\n|生日= 3月14日\n}}",
			Image:   "demo/1_crt.jpg?r=1700000000", Comments: 5,
			Fields: mono.Fields{Gender: 2, BirthMon: 3, BirthDay: 14},
		},
		character.Character{
			ID: 2, Name: "オルト", Role: 1, Summary: "船上的维修机器人。",
			Infobox: "{{Infobox Crt\n|简体中文名= 奥尔特\n}}", Collects: 0,
		},
		character.Character{ID: 3, Name: "オルト (重复)", Role: 1, Redirect: 2},
	)
	store.PutAppearance(
		character.Appearance{CharacterID: 1, SubjectID: 1, SubjectType: subject.TypeAnime, Type: 1},
		character.Appearance{CharacterID: 2, SubjectID: 1, SubjectType: subject.TypeAnime, Type: 2},
		character.Appearance{CharacterID: 1, SubjectID: 2, SubjectType: subject.TypeBook, Type: 1},
	)

	store.PutPerson(
		person.Person{
			ID: 1, Name: "青木ソラ", Type: 1, Career: person.Career{Seiyu: true},
			Summary: "声优，代表作《星海记录》米拉·斯特拉。",
			Infobox: "{{Infobox Person\n|简体中文名= 青木空\n|性别= 女\n|生日= 1995-07-07\n}}",
			Image:   "demo/1_prsn.jpg", Collects: 1,
			Fields: mono.Fields{Gender: 2, BirthYear: 1995, BirthMon: 7, BirthDay: 7},
		},
		person.Person{
			ID: 2, Name: "北斗スタジオ", Type: 2, Career: person.Career{Producer: true},
			Summary: "动画制作公司。",
		},
		person.Person{ID: 3, Name: "田中ミナト", Type: 1, Career: person.Career{Writer: true, Mangaka: true}},
	)
	store.PutCredit(
		person.Credit{PersonID: 3, SubjectID: 1, SubjectType: subject.TypeAnime, Position: 1},
		person.Credit{PersonID: 2, SubjectID: 1, SubjectType: subject.TypeAnime, Position: 7},
		person.Credit{PersonID: 3, SubjectID: 2, SubjectType: subject.TypeBook, Position: 2},
	)
	store.PutCast(
		character.Cast{CharacterID: 1, PersonID: 1, SubjectID: 1, SubjectType: subject.TypeAnime},
	)

	store.PutUser(user.User{
		ID: UserID, Username: Username, Nickname: "Demo", GroupID: 10, RegTime: now.AddDate(-1, 0, 0),
		// Stored as bangumi stores them: the avatar path with its version query, the sign HTML-escaped.
		Avatar: "000/00/00/1.jpg?r=1700000000", Sign: "看番 &amp; 读书", Email: "demo@example.com", TimeOffset: "9999",
	})
	store.PutToken(Token, now.AddDate(10, 0, 0), auth.Token{UserID: "1"})
	store.PutSubjectCollection(user.SubjectCollection{
		ID: 1, UserID: UserID, SubjectID: 1, SubjectType: subject.TypeAnime, Rate: 9, Type: user.CollectionDone,
		Comment: "很好看", Tags: "科幻 原创", EpStatus: 12, UpdatedAt: now.AddDate(0, 0, -3),
	})
	store.PutMonoCollect(collect.MonoCollect{Category: mono.Person, TargetID: 1, UserID: UserID, CreatedAt: now.AddDate(0, 0, -2)})
}
