package demo

import (
	"time"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/index"
	"github.com/bangumi/chii/domain/subject"
)

// seedIndices adds two indices (GET /v0/indices/...): 1, public, listing the 星の海の記録
// subjects (anime, book, music), and 2, listing the NSFW game too (hidden from anonymous
// callers and young accounts).
func seedIndices(store *inmem.Store, now time.Time) {
	day := func(d int) time.Time { return now.AddDate(0, 0, d).Truncate(time.Second).UTC() }
	store.PutIndex(
		index.Index{ID: 1, Title: "星海记录 全系列", Desc: "[b]星の海の記録[/b] 的动画、设定集与原声带", Total: 3,
			CreatedAt: day(-12), UpdatedAt: day(-2), CreatorID: UserID},
		index.Index{ID: 2, Title: "夜晚推荐", Desc: "含 NSFW 条目", Total: 2, CreatedAt: day(-8), UpdatedAt: day(-8), CreatorID: UserID},
	)
	entry := func(id, idx uint32, typ uint8, sid, order uint32, comment string, added int) index.Entry {
		return index.Entry{ID: id, IndexID: idx, Cat: index.CatSubject, SubjectType: typ, TargetID: sid, Order: order,
			Comment: comment, AddedAt: day(added)}
	}
	store.PutIndexEntry(
		entry(1, 1, subject.TypeAnime, 1, 1, "从这里开始", -12),
		entry(2, 1, subject.TypeBook, 2, 2, "", -6),
		entry(3, 1, subject.TypeMusic, 5, 3, "配乐", -2),
		entry(4, 2, subject.TypeAnime, 1, 1, "", -8),
		entry(5, 2, subject.TypeGame, 4, 2, "", -8),
	)
}
