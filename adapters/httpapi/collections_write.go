package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/bangumi/chii/domain/episode"
	"github.com/bangumi/chii/domain/user"
)

// Subject and episode collection writes (http-v0-more.md §5, §6). Bodies are decoded strictly
// (§0.2); a type error inside a nullable field answers bangumi's first JSON Error shape, with
// the expected Go type, the value and its length as the offset.

// fieldTypeError is a value of a nullable body field that does not fit its type.
type fieldTypeError struct {
	expected, got string
	offset        int64
}

const fieldTypeErrorPrefix = "Unmarshal type error: "

func (e *fieldTypeError) Error() string {
	return fmt.Sprintf("%sexpected=%s, got=%s, field=, offset=%d", fieldTypeErrorPrefix, e.expected, e.got, e.offset)
}

// nullable is a body field that null or absence leave unset.
type nullable[T any] struct {
	V   T
	Set bool
}

func (n *nullable[T]) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = nullable[T]{}
		return nil
	}
	if err := json.Unmarshal(b, &n.V); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &fieldTypeError{expected: te.Type.String(), got: te.Value, offset: te.Offset}
		}
		return err
	}
	n.Set = true
	return nil
}

func (n nullable[T]) ptr() *T {
	if !n.Set {
		return nil
	}
	v := n.V
	return &v
}

// collectionType is the type of a subject collection body: 1–5, anything else a type error
// naming bangumi's Go type.
type collectionType struct{ nullable[uint8] }

func (t *collectionType) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		t.Set = false
		return nil
	}
	var v uint8
	if err := json.Unmarshal(b, &v); err != nil || !user.ValidCollectionType(v) {
		return &fieldTypeError{expected: "collection.SubjectCollection", got: string(b)}
	}
	t.V, t.Set = v, true
	return nil
}

// episodeCollectionType is the type of an episode collection body: 0–3; anything else
// (null included) is a type error that, as bangumi's, always says got=null.
type episodeCollectionType uint8

func (t *episodeCollectionType) UnmarshalJSON(b []byte) error {
	var v uint8
	if err := json.Unmarshal(b, &v); err != nil || string(b) == "null" || v > uint8(episode.StatusDropped) {
		return &fieldTypeError{expected: "collection.EpisodeCollection", got: "null"}
	}
	*t = episodeCollectionType(v)
	return nil
}

// subjectCollectionBody is decoded; SubjectCollectionEdit documents it.
type subjectCollectionBody struct {
	Type      collectionType   `json:"type"`
	Rate      nullable[uint8]  `json:"rate"`
	EpStatus  nullable[uint32] `json:"ep_status"`
	VolStatus nullable[uint32] `json:"vol_status"`
	Comment   nullable[string] `json:"comment"`
	Private   nullable[bool]   `json:"private"`
	Tags      *[]string        `json:"tags"`
}

// SubjectCollectionEdit is the body of POST and PATCH /v0/users/-/collections/{subject_id}.
type SubjectCollectionEdit struct {
	Type      *uint8    `json:"type,omitempty" enum:"[1,2,3,4,5]" description:"1 想看，2 看过，3 在看，4 搁置，5 抛弃；新收藏默认 3" example:"2"`
	Rate      *uint8    `json:"rate,omitempty" minimum:"0" maximum:"10" description:"评分，0 表示删除；想看时不保存评分" example:"8"`
	EpStatus  *uint32   `json:"ep_status,omitempty" description:"书籍的章节进度（其他条目类型 400）" example:"12"`
	VolStatus *uint32   `json:"vol_status,omitempty" description:"书籍的卷数进度（其他条目类型 400）" example:"2"`
	Comment   *string   `json:"comment,omitempty" maxLength:"380" description:"吐槽，NFC 规范化并去掉首尾空白后最多 380 字；空字符串删除" example:"好看"`
	Private   *bool     `json:"private,omitempty" description:"仅自己可见"`
	Tags      *[]string `json:"tags,omitempty" maxItems:"10" description:"标签（最多 10 个，每个 2–30 字，不含空格）；[] 删除全部标签" example:"[\"原创\",\"2008\"]"`
}

// EpisodesEdit is the body of PATCH /v0/users/-/collections/{subject_id}/episodes.
type EpisodesEdit struct {
	EpisodeID []uint32 `json:"episode_id" required:"true" minItems:"1" description:"条目的章节 ID" example:"[522,523]"`
	Type      uint8    `json:"type" enum:"[0,1,2,3]" description:"0 删除，1 想看，2 看过，3 抛弃；缺省为 0" example:"2"`
}

// EpisodeEdit is the body of PUT /v0/users/-/collections/-/episodes/{episode_id}.
type EpisodeEdit struct {
	Type uint8 `json:"type" enum:"[0,1,2,3]" description:"0 删除，1 想看，2 看过，3 抛弃；缺省为 0" example:"2"`
}

type episodesBody struct {
	EpisodeID []uint32              `json:"episode_id"`
	Type      episodeCollectionType `json:"type"`
}

type episodeBody struct {
	Type episodeCollectionType `json:"type"`
}

// Requests, for the OpenAPI document.
type (
	editSubjectCollectionRequest struct {
		SubjectID uint32 `path:"subject_id" required:"true" minimum:"1" maximum:"4294967295" description:"条目 ID" example:"8"`
		SubjectCollectionEdit
	}
	editEpisodesRequest struct {
		SubjectID uint32 `path:"subject_id" required:"true" minimum:"1" maximum:"4294967295" description:"条目 ID" example:"8"`
		EpisodesEdit
	}
	editEpisodeRequest struct {
		EpisodeID uint32 `path:"episode_id" required:"true" minimum:"1" maximum:"4294967295" description:"章节 ID" example:"522"`
		EpisodeEdit
	}
)

// decodeWriteBody is decodeStrictBody with bangumi's first error shape for the nullable
// fields: no details, the type error as the description.
func decodeWriteBody(r *http.Request, v any) error {
	err := decodeStrictBody(r, v)
	var je *jsonError
	if errors.As(err, &je) && strings.HasPrefix(je.cause, fieldTypeErrorPrefix) {
		return &jsonError{description: je.cause}
	}
	return err
}

// editSubjectCollection serves POST (create) and PATCH /v0/users/-/collections/{subject_id}
// (§5.2): the id, the body, its rules (rate, tags, comment), then the use case. Both answer
// 204 (D12 on N9).
func (s *server) editSubjectCollection(create bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := parseID(pathParam(r, "subject_id"))
		if err != nil {
			return err
		}
		var body subjectCollectionBody
		if err := decodeWriteBody(r, &body); err != nil {
			return err
		}
		edit := user.CollectionEdit{
			Type: body.Type.ptr(), Rate: body.Rate.ptr(), EpStatus: body.EpStatus.ptr(), VolStatus: body.VolStatus.ptr(),
			Comment: body.Comment.ptr(), Private: body.Private.ptr(),
		}
		if body.Tags != nil {
			edit.Tags, edit.TagsGiven = *body.Tags, true
		}
		if edit, err = edit.Check(norm.NFC.String, norm.NFKC.String); err != nil {
			return err
		}
		if err := s.collectionWrites.EditSubject(r.Context(), viewer(r), id, edit, s.clientIP(r), create); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// markEpisodes serves PATCH /v0/users/-/collections/{subject_id}/episodes (§6.1): the body is
// read before the id.
func (s *server) markEpisodes(w http.ResponseWriter, r *http.Request) error {
	var body episodesBody
	if err := decodeWriteBody(r, &body); err != nil {
		return err
	}
	if len(body.EpisodeID) == 0 {
		return badRequest("episode_id is required")
	}
	id, err := parseID(pathParam(r, "subject_id"))
	if err != nil {
		return err
	}
	if err := s.collectionWrites.MarkEpisodes(r.Context(), viewer(r), id, body.EpisodeID, episode.Status(body.Type)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// markEpisode serves PUT /v0/users/-/collections/-/episodes/{episode_id} (§6.2).
func (s *server) markEpisode(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(pathParam(r, "episode_id"))
	if err != nil {
		return err
	}
	var body episodeBody
	if err := decodeWriteBody(r, &body); err != nil {
		return err
	}
	if err := s.collectionWrites.MarkEpisode(r.Context(), viewer(r), id, episode.Status(body.Type)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
