package demo

import (
	"fmt"
	"time"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/episode"
)

// seedEpisodes gives the anime 星の海の記録 (subject 1) its twelve main episodes, a banned one,
// a special, an OP and an ED (GET /v0/episodes?subject_id=1), the NSFW game no episode, and the
// demo user marks on the first episodes (GET /v0/users/-/collections/1/episodes with the demo
// token): three watched, one wished.
func seedEpisodes(store *inmem.Store, now time.Time) {
	titles := []string{"出航", "星图", "无声的灯塔", "漂流信", "旧港", "回声", "双星", "冰原", "归途", "风暴眼", "最后的坐标", "星之海"}
	first := now.AddDate(0, -3, 0)
	var eps []episode.Episode
	for i, cn := range titles {
		eps = append(eps, episode.Episode{
			ID: uint32(101 + i), SubjectID: 1, Type: episode.TypeMain, Sort: float32(i + 1),
			Name: fmt.Sprintf("第%d話", i+1), NameCN: cn, Duration: "00:24:10",
			Airdate: first.AddDate(0, 0, 7*i).Format(time.DateOnly), Comment: uint32(12 - i),
		})
	}
	eps = append(eps,
		episode.Episode{ID: 113, SubjectID: 1, Type: episode.TypeMain, Sort: 13, Name: "未播出", Banned: true},
		episode.Episode{ID: 114, SubjectID: 1, Type: episode.TypeSpecial, Sort: 1, Name: "特別編 星を数える夜", NameCN: "特别篇 数星星的夜晚", Duration: "12m"},
		episode.Episode{ID: 115, SubjectID: 1, Type: episode.TypeOP, Sort: 1, Name: "Starlit Sea", Duration: "1:30"},
		episode.Episode{ID: 116, SubjectID: 1, Type: episode.TypeED, Sort: 1, Name: "灯台", Duration: "1:32"},
	)
	store.PutEpisode(eps...)
	at := now.AddDate(0, 0, -1).Unix()
	store.PutEpisodeProgress(UserID, 1, fmt.Appendf(nil,
		`{"101":{"eid":"101","type":2,"updated_at":{"2":%d}},"102":{"eid":"102","type":2,"updated_at":{"2":%d}},`+
			`"103":{"eid":"103","type":2,"updated_at":null},"104":{"eid":"104","type":1,"updated_at":{"1":%d}}}`, at-86400, at, at))
}
