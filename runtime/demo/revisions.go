package demo

import (
	"bytes"
	"compress/flate"
	"time"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/revision"
	"github.com/bangumi/chii/domain/subject"
)

// seedRevisions adds a little edit history (GET /v0/revisions/...): two revisions of subject 1,
// two of character 1 sharing one stored text, one of person 1. Texts are stored as bangumi
// stores them: raw DEFLATE of PHP serialize() output.
func seedRevisions(store *inmem.Store, now time.Time) {
	day := func(d int) time.Time { return now.AddDate(0, 0, d).Truncate(time.Second).UTC() }
	store.PutSubjectRevision(
		revision.Revision{ID: 1, Type: 1, EntityID: 1, CreatorID: UserID, CreatedAt: day(-30), Summary: "新条目",
			Subject: revision.SubjectData{Name: "星の海の記録", Infobox: "{{Infobox animanga/TVAnime\n|话数= 12\n}}",
				Platform: 1, TypeID: uint16(subject.TypeAnime), SubjectID: 1, Eps: 12, Type: 1}},
		revision.Revision{ID: 2, Type: 1, EntityID: 1, CreatorID: UserID, CreatedAt: day(-10), Summary: "补充中文名",
			Subject: revision.SubjectData{Name: "星の海の記録", NameCN: "星海记录", Infobox: "{{Infobox animanga/TVAnime\n|中文名= 星海记录\n|话数= 12\n}}",
				Platform: 1, TypeID: uint16(subject.TypeAnime), SubjectID: 1, Eps: 12, Type: 1}},
	)
	store.PutRevisionText(1, deflate(`a:2:{i:1;a:4:{s:8:"crt_name";s:18:"ミラ・ステラ";s:11:"crt_infobox";s:0:"";`+
		`s:11:"crt_summary";s:0:"";s:5:"extra";a:0:{}}i:2;a:4:{s:8:"crt_name";s:18:"ミラ・ステラ";`+
		`s:11:"crt_infobox";s:54:"{{Infobox Crt`+"\r\n"+`|简体中文名= 米拉·斯特拉`+"\r\n"+`}}";s:11:"crt_summary";s:0:"";`+
		`s:5:"extra";a:1:{s:3:"img";s:14:"demo/1_crt.jpg";}}}`))
	store.PutRevision(1,
		revision.Revision{ID: 1, Type: 2, EntityID: 1, CreatorID: UserID, CreatedAt: day(-20), Summary: "新角色"},
		revision.Revision{ID: 2, Type: 2, EntityID: 1, CreatorID: UserID, CreatedAt: day(-5), Summary: "新肖像"},
	)
	store.PutRevisionText(2, deflate(`a:1:{i:3;a:5:{s:9:"prsn_name";s:12:"青木ソラ";s:12:"prsn_infobox";s:0:"";`+
		`s:12:"prsn_summary";s:0:"";s:10:"profession";a:1:{s:5:"seiyu";s:1:"1";}s:5:"extra";a:0:{}}}`))
	store.PutRevision(2, revision.Revision{ID: 3, Type: 3, EntityID: 1, CreatorID: UserID, CreatedAt: day(-15), Summary: "新人物"})
}

// deflate compresses php as bangumi's chii_rev_text holds it (raw DEFLATE, no header).
func deflate(php string) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.DefaultCompression) // only fails for a bad level
	_, _ = w.Write([]byte(php))                           // a bytes.Buffer does not fail
	_ = w.Close()
	return b.Bytes()
}
