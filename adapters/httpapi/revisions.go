package httpapi

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/swaggest/jsonschema-go"

	"github.com/bangumi/chii/domain/revision"
	"github.com/bangumi/chii/domain/usecase"
)

// Revisions (http-v0-more.md §8): anonymous, no NSFW gating, no Cache-Control. Columns are
// returned raw (no HTML unescaping, CRLF kept).

// RevisionCreator is the member who made a revision; both "" when the member row is missing.
type RevisionCreator struct {
	Username string `json:"username" required:"true" example:"sai"`
	Nickname string `json:"nickname" required:"true" example:"Sai🖖"`
}

// EmptyObject is the always-empty data of a person revision in a list.
type EmptyObject struct{}

// RevisionListItem is a character or episode revision in a list (no data key).
type RevisionListItem struct {
	CreatedAt string          `json:"created_at" required:"true" format:"date-time" example:"2020-10-23T02:29:36Z"`
	Creator   RevisionCreator `json:"creator" required:"true"`
	Summary   string          `json:"summary" required:"true" description:"编辑摘要" example:"新肖像"`
	ID        uint32          `json:"id" required:"true" example:"1198747"`
	Type      uint8           `json:"type" required:"true" description:"修订类型（rev_type）" example:"2"`
}

// PersonRevisionListItem is a person revision in a list: data is always {}.
type PersonRevisionListItem struct {
	CreatedAt string          `json:"created_at" required:"true" format:"date-time" example:"2021-11-01T08:06:58Z"`
	Data      EmptyObject     `json:"data" required:"true" description:"列表中总是 {}"`
	Creator   RevisionCreator `json:"creator" required:"true"`
	Summary   string          `json:"summary" required:"true" description:"编辑摘要" example:"更新资料。"`
	ID        uint32          `json:"id" required:"true" example:"1380330"`
	Type      uint8           `json:"type" required:"true" description:"修订类型（rev_type）" example:"3"`
}

// NullData is the always-null data of a subject revision in a list.
type NullData struct{}

// MarshalJSON emits null.
func (NullData) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

// PrepareJSONSchema documents the value as null.
func (NullData) PrepareJSONSchema(s *jsonschema.Schema) error {
	s.Type = nil
	s.Properties = nil
	s.WithType(jsonschema.Null.Type())
	return nil
}

// SubjectRevisionListItem is a subject revision in a list: data is always null.
type SubjectRevisionListItem struct {
	CreatedAt string          `json:"created_at" required:"true" format:"date-time" example:"2009-10-01T21:29:26Z"`
	Data      NullData        `json:"data" required:"true" description:"列表中总是 null"`
	Creator   RevisionCreator `json:"creator" required:"true"`
	Summary   string          `json:"summary" required:"true" description:"编辑摘要" example:"内容扩充"`
	ID        uint32          `json:"id" required:"true" example:"3574"`
	Type      uint8           `json:"type" required:"true" description:"修订类型（rev_type）" example:"1"`
}

// SubjectRevisionData is what a subject revision recorded.
type SubjectRevisionData struct {
	Name         string `json:"name" required:"true" example:"コードギアス 反逆のルルーシュ R2"`
	NameCN       string `json:"name_cn" required:"true" example:"叛逆的鲁路修 R2"`
	VoteField    string `json:"vote_field" required:"true" example:""`
	FieldInfobox string `json:"field_infobox" required:"true" description:"原始 wiki 文本"`
	FieldSummary string `json:"field_summary" required:"true"`
	Platform     uint16 `json:"platform" required:"true" example:"1"`
	TypeID       uint16 `json:"type_id" required:"true" example:"2"`
	SubjectID    uint32 `json:"subject_id" required:"true" example:"8"`
	FieldEps     uint32 `json:"field_eps" required:"true" example:"25"`
	Type         uint8  `json:"type" required:"true" example:"1"`
}

// SubjectRevision is a subject revision with its data.
type SubjectRevision struct {
	CreatedAt string              `json:"created_at" required:"true" format:"date-time" example:"2009-10-01T21:29:26Z"`
	Data      SubjectRevisionData `json:"data" required:"true"`
	Creator   RevisionCreator     `json:"creator" required:"true"`
	Summary   string              `json:"summary" required:"true" example:"内容扩充"`
	ID        uint32              `json:"id" required:"true" example:"3574"`
	Type      uint8               `json:"type" required:"true" example:"1"`
}

// RevisionExtra is the extra map of a character or person revision.
type RevisionExtra struct {
	Img string `json:"img,omitempty" example:"7b/3a/1_crt_EcUzC.jpg"`
}

// CharacterRevisionData is one character revision of a stored text.
type CharacterRevisionData struct {
	Name    string        `json:"name" required:"true" example:"ルルーシュ・ランペルージ"`
	Infobox string        `json:"infobox" required:"true" description:"原始 wiki 文本（保留 CRLF）"`
	Summary string        `json:"summary" required:"true" description:"总是空字符串（与 bangumi 相同）"`
	Extra   RevisionExtra `json:"extra" required:"true"`
}

// PersonRevisionProfession holds the professions a person revision set ("1"), others absent.
type PersonRevisionProfession struct {
	Writer      string `json:"writer,omitempty" example:"1"`
	Producer    string `json:"producer,omitempty" example:"1"`
	Mangaka     string `json:"mangaka,omitempty" example:"1"`
	Artist      string `json:"artist,omitempty" example:"1"`
	Seiyu       string `json:"seiyu,omitempty" example:"1"`
	Illustrator string `json:"illustrator,omitempty" example:"1"`
	Actor       string `json:"actor,omitempty" example:"1"`
}

// PersonRevisionData is one person revision of a stored text.
type PersonRevisionData struct {
	Infobox    string                   `json:"prsn_infobox" required:"true" description:"原始 wiki 文本（保留 CRLF）"`
	Summary    string                   `json:"prsn_summary" required:"true"`
	Profession PersonRevisionProfession `json:"profession" required:"true"`
	Extra      RevisionExtra            `json:"extra" required:"true"`
	Name       string                   `json:"prsn_name" required:"true" example:"平野綾"`
}

// EpisodeRevisionData is one episode revision of a stored text (numbers as strings).
type EpisodeRevisionData struct {
	Airdate  string `json:"airdate" required:"true" example:"2008-04-06"`
	Desc     string `json:"desc" required:"true"`
	Duration string `json:"duration" required:"true" example:"24m"`
	Name     string `json:"name" required:"true" example:"魔神 が 目覚める 日"`
	NameCN   string `json:"name_cn" required:"true" example:"魔王的苏醒之日"`
	Sort     string `json:"sort" required:"true" example:"1"`
	Type     string `json:"type" required:"true" example:"0"`
}

// CharacterRevisionMap is the data of a character revision: every revision of its stored
// text, by revision id, in ascending numeric order (N17).
type CharacterRevisionMap struct {
	entries []revision.Entry[revision.Character]
}

// PersonRevisionMap is the data of a person revision, like CharacterRevisionMap.
type PersonRevisionMap struct {
	entries []revision.Entry[revision.Person]
}

// EpisodeRevisionMap is the data of an episode revision, like CharacterRevisionMap.
type EpisodeRevisionMap struct {
	entries []revision.Entry[revision.Episode]
}

func characterRevisionData(c revision.Character) CharacterRevisionData {
	return CharacterRevisionData{Name: c.Name, Infobox: c.Infobox, Summary: c.Summary, Extra: RevisionExtra(c.Extra)}
}

func personRevisionData(p revision.Person) PersonRevisionData {
	return PersonRevisionData{
		Infobox: p.Infobox, Summary: p.Summary, Profession: PersonRevisionProfession(p.Profession),
		Extra: RevisionExtra(p.Extra), Name: p.Name,
	}
}

func episodeRevisionData(e revision.Episode) EpisodeRevisionData { return EpisodeRevisionData(e) }

// MarshalJSON emits the object with its keys in the entries' (numeric) order.
func (m CharacterRevisionMap) MarshalJSON() ([]byte, error) {
	return orderedObject(m.entries, characterRevisionData)
}

// MarshalJSON emits the object with its keys in the entries' (numeric) order.
func (m PersonRevisionMap) MarshalJSON() ([]byte, error) {
	return orderedObject(m.entries, personRevisionData)
}

// MarshalJSON emits the object with its keys in the entries' (numeric) order.
func (m EpisodeRevisionMap) MarshalJSON() ([]byte, error) {
	return orderedObject(m.entries, episodeRevisionData)
}

// PrepareJSONSchema documents the map: an object whose values are CharacterRevisionData.
func (CharacterRevisionMap) PrepareJSONSchema(s *jsonschema.Schema) error {
	return mapSchema(s, CharacterRevisionData{})
}

// PrepareJSONSchema documents the map: an object whose values are PersonRevisionData.
func (PersonRevisionMap) PrepareJSONSchema(s *jsonschema.Schema) error {
	return mapSchema(s, PersonRevisionData{})
}

// PrepareJSONSchema documents the map: an object whose values are EpisodeRevisionData.
func (EpisodeRevisionMap) PrepareJSONSchema(s *jsonschema.Schema) error {
	return mapSchema(s, EpisodeRevisionData{})
}

// mapSchema makes s an object keyed by revision id whose values have item's schema (inlined).
func mapSchema(s *jsonschema.Schema, item any) error {
	var r jsonschema.Reflector
	v, err := r.Reflect(item, jsonschema.InlineRefs)
	if err != nil {
		return err
	}
	s.Type = nil
	s.WithType(jsonschema.Object.Type())
	s.Properties = nil
	s.WithDescription("修订 ID（十进制字符串）→ 该修订的数据；包含同一存档中的全部修订，按 ID 升序")
	s.WithAdditionalProperties(v.ToSchemaOrBool())
	return nil
}

// orderedObject encodes entries as one JSON object, in their order, each value converted by conv.
func orderedObject[T, J any](entries []revision.Entry[T], conv func(T) J) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range entries {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(e.ID)) // a decimal revision id: no escaping question
		b.WriteByte(':')
		v, err := encodeJSON(conv(e.Value))
		if err != nil {
			return nil, err
		}
		b.Write(bytes.TrimRight(v.Bytes(), "\n"))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// CharacterRevision is a character revision with its data (absent when there is none).
type CharacterRevision struct {
	CreatedAt string                `json:"created_at" required:"true" format:"date-time" example:"2020-10-23T02:29:36Z"`
	Data      *CharacterRevisionMap `json:"data,omitempty"`
	Creator   RevisionCreator       `json:"creator" required:"true"`
	Summary   string                `json:"summary" required:"true" example:"恢复版本"`
	ID        uint32                `json:"id" required:"true" example:"1198747"`
	Type      uint8                 `json:"type" required:"true" example:"2"`
}

// PersonRevision is a person revision with its data ({} when there is none).
type PersonRevision struct {
	CreatedAt string            `json:"created_at" required:"true" format:"date-time" example:"2020-07-18T09:01:15Z"`
	Data      PersonRevisionMap `json:"data" required:"true"`
	Creator   RevisionCreator   `json:"creator" required:"true"`
	Summary   string            `json:"summary" required:"true" example:"与 ID:17435 合体"`
	ID        uint32            `json:"id" required:"true" example:"1142797"`
	Type      uint8             `json:"type" required:"true" example:"15"`
}

// EpisodeRevision is an episode revision with its data (absent when there is none).
type EpisodeRevision struct {
	CreatedAt string              `json:"created_at" required:"true" format:"date-time" example:"2013-06-04T13:48:58Z"`
	Data      *EpisodeRevisionMap `json:"data,omitempty"`
	Creator   RevisionCreator     `json:"creator" required:"true"`
	Summary   string              `json:"summary" required:"true" example:"章节初始化"`
	ID        uint32              `json:"id" required:"true" example:"122788"`
	Type      uint8               `json:"type" required:"true" example:"18"`
}

// Requests, for the OpenAPI document.
type (
	subjectRevisionsRequest struct {
		SubjectID uint32 `query:"subject_id" required:"true" minimum:"1" description:"条目 ID" example:"8"`
		pageQuery
	}
	characterRevisionsRequest struct {
		CharacterID uint32 `query:"character_id" required:"true" minimum:"1" description:"角色 ID" example:"1"`
		pageQuery
	}
	personRevisionsRequest struct {
		PersonID uint32 `query:"person_id" required:"true" minimum:"1" description:"人物 ID" example:"1"`
		pageQuery
	}
	episodeRevisionsRequest struct {
		EpisodeID uint32 `query:"episode_id" required:"true" minimum:"1" description:"章节 ID" example:"522"`
		pageQuery
	}
	revisionPath struct {
		RevisionID uint32 `path:"revision_id" required:"true" minimum:"1" maximum:"4294967295" description:"修订 ID" example:"122788"`
	}
)

// parseRevisionID parses the id of a revision detail: decimal uint32, non-zero. bangumi's
// message quotes the raw value (Go syntax) except for persons.
func parseRevisionID(raw string, quote bool) (uint32, error) {
	v, err := strconv.ParseUint(raw, 10, 32)
	if err != nil || v == 0 {
		if quote {
			raw = strconv.Quote(raw)
		}
		return 0, badRequest("bad param id: " + raw)
	}
	return uint32(v), nil
}

func creatorOf(r revision.Revision) RevisionCreator {
	return RevisionCreator{Username: r.Creator.Username, Nickname: r.Creator.Nickname}
}

// listRevisions serves GET /v0/revisions/<kind>?<idKey>=&limit=&offset= (§8.4): the page is
// parsed first, then the entity id (like a path id; "character ID is required" for every kind).
func listRevisions[T any](s *server, k revision.Kind, idKey string, item func(revision.Revision) T) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		page, err := pageOf(r)
		if err != nil {
			return err
		}
		id, err := parseID(r.URL.Query().Get(idKey))
		if err != nil {
			return err
		}
		res, err := s.revisions.List(r.Context(), k, id, page)
		if err != nil {
			return err
		}
		out := make([]T, len(res.Items))
		for i, rev := range res.Items {
			out[i] = item(rev)
		}
		writeJSON(w, http.StatusOK, Paged[T]{Data: out, Total: res.Total, Limit: page.Limit, Offset: page.Offset})
		return nil
	}
}

func subjectRevisionItem(r revision.Revision) SubjectRevisionListItem {
	return SubjectRevisionListItem{CreatedAt: timestamp(r.CreatedAt), Creator: creatorOf(r), Summary: r.Summary, ID: r.ID, Type: r.Type}
}

func personRevisionItem(r revision.Revision) PersonRevisionListItem {
	return PersonRevisionListItem{CreatedAt: timestamp(r.CreatedAt), Creator: creatorOf(r), Summary: r.Summary, ID: r.ID, Type: r.Type}
}

func revisionItem(r revision.Revision) RevisionListItem {
	return RevisionListItem{CreatedAt: timestamp(r.CreatedAt), Creator: creatorOf(r), Summary: r.Summary, ID: r.ID, Type: r.Type}
}

// getRevision serves GET /v0/revisions/<kind>/{revision_id} (§8.5).
func getRevision(s *server, k revision.Kind, render func(usecase.RevisionDetail) any) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := parseRevisionID(pathParam(r, "revision_id"), k != revision.KindPerson)
		if err != nil {
			return err
		}
		d, err := s.revisions.Get(r.Context(), k, id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, render(d))
		return nil
	}
}

func subjectRevision(d usecase.RevisionDetail) any {
	r, sd := d.Revision, d.Revision.Subject
	return SubjectRevision{
		CreatedAt: timestamp(r.CreatedAt), Creator: creatorOf(r), Summary: r.Summary, ID: r.ID, Type: r.Type,
		Data: SubjectRevisionData{
			Name: sd.Name, NameCN: sd.NameCN, VoteField: sd.VoteField, FieldInfobox: sd.Infobox, FieldSummary: sd.Summary,
			Platform: sd.Platform, TypeID: sd.TypeID, SubjectID: sd.SubjectID, FieldEps: sd.Eps, Type: sd.Type,
		},
	}
}

func characterRevision(d usecase.RevisionDetail) any {
	r := d.Revision
	out := CharacterRevision{CreatedAt: timestamp(r.CreatedAt), Creator: creatorOf(r), Summary: r.Summary, ID: r.ID, Type: r.Type}
	if len(d.Characters) != 0 {
		out.Data = &CharacterRevisionMap{d.Characters}
	}
	return out
}

func personRevision(d usecase.RevisionDetail) any {
	r := d.Revision
	return PersonRevision{
		CreatedAt: timestamp(r.CreatedAt), Creator: creatorOf(r), Summary: r.Summary, ID: r.ID, Type: r.Type,
		Data: PersonRevisionMap{d.Persons},
	}
}

func episodeRevision(d usecase.RevisionDetail) any {
	r := d.Revision
	out := EpisodeRevision{CreatedAt: timestamp(r.CreatedAt), Creator: creatorOf(r), Summary: r.Summary, ID: r.ID, Type: r.Type}
	if len(d.Episodes) != 0 {
		out.Data = &EpisodeRevisionMap{d.Episodes}
	}
	return out
}
