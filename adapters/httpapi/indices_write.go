package httpapi

import (
	"net/http"
	"time"

	"github.com/bangumi/chii/domain/index"
	"github.com/bangumi/chii/domain/usecase"
)

// The index writes (http-v0-more.md §7.6–§7.10). Each handler keeps bangumi's order of checks:
// which of two faults a request has decides which answer it gets.

// IndexBasicInfo is the body of POST /v0/indices and PUT /v0/indices/{index_id}. Note the
// request key description versus the answer's desc.
type IndexBasicInfo struct {
	Title       string `json:"title" maxLength:"80" description:"标题，最多 80 个字符（N22）；可为空" example:"我的目录"`
	Description string `json:"description" description:"简介（BBCode），原样保存" example:"[b]简介[/b]"`
}

// IndexSubjectAddInfo is the body of POST /v0/indices/{index_id}/subjects.
type IndexSubjectAddInfo struct {
	SubjectID uint32 `json:"subject_id" description:"条目 ID；不存在（或缺省）时 404 subject not found" example:"253"`
	Sort      uint32 `json:"sort" description:"排序，越小越靠前" example:"1"`
	Comment   string `json:"comment" description:"目录中对条目的评价，原样保存" example:"必看"`
}

// IndexSubjectEditInfo is the body of PUT /v0/indices/{index_id}/subjects/{subject_id}.
type IndexSubjectEditInfo struct {
	Sort    uint32 `json:"sort" description:"排序，越小越靠前" example:"1"`
	Comment string `json:"comment" description:"目录中对条目的评价，原样保存" example:"必看"`
}

// Requests, for the OpenAPI document.
type (
	createIndexRequest struct {
		IndexBasicInfo
	}
	editIndexRequest struct {
		IndexID uint32 `path:"index_id" required:"true" minimum:"1" maximum:"4294967295" description:"目录 ID" example:"90001"`
		IndexBasicInfo
	}
	addIndexSubjectRequest struct {
		IndexID uint32 `path:"index_id" required:"true" minimum:"1" maximum:"4294967295" description:"目录 ID" example:"90001"`
		IndexSubjectAddInfo
	}
	editIndexSubjectRequest struct {
		IndexID   uint32 `path:"index_id" required:"true" minimum:"1" maximum:"4294967295" description:"目录 ID" example:"90001"`
		SubjectID uint32 `path:"subject_id" required:"true" minimum:"1" maximum:"4294967295" description:"条目 ID" example:"8"`
		IndexSubjectEditInfo
	}
	indexSubjectPath struct {
		IndexID   uint32 `path:"index_id" required:"true" minimum:"1" maximum:"4294967295" description:"目录 ID" example:"90001"`
		SubjectID uint32 `path:"subject_id" required:"true" minimum:"1" maximum:"4294967295" description:"条目 ID" example:"8"`
	}
)

// createIndex serves POST /v0/indices (§7.6): the new index, its times with sub-second
// precision as bangumi answers them (a later GET shows whole seconds).
func (s *server) createIndex(w http.ResponseWriter, r *http.Request) error {
	var body IndexBasicInfo
	if err := decodeStrictBody(r, &body); err != nil {
		return err
	}
	i, err := s.indices.Create(r.Context(), viewer(r), body.Title, body.Description)
	if err != nil {
		return err
	}
	out := indexOf(i)
	out.CreatedAt, out.UpdatedAt = i.CreatedAt.UTC().Format(time.RFC3339Nano), i.UpdatedAt.UTC().Format(time.RFC3339Nano)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// editIndex serves PUT /v0/indices/{index_id} (§7.7): id, body, the body's rules, the index
// and its creator; 200 with no body.
func (s *server) editIndex(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(pathParam(r, "index_id"))
	if err != nil {
		return err
	}
	var body IndexBasicInfo
	if err := decodeStrictBody(r, &body); err != nil {
		return err
	}
	if err := s.indices.Edit(r.Context(), viewer(r), id, index.Edit{Title: body.Title, Desc: body.Description}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// addIndexSubject serves POST /v0/indices/{index_id}/subjects (§7.8): body, comment, index
// id, then the index, its creator and the subject.
func (s *server) addIndexSubject(w http.ResponseWriter, r *http.Request) error {
	var body IndexSubjectAddInfo
	if err := decodeStrictBody(r, &body); err != nil {
		return err
	}
	if err := usecase.CheckIndexText(body.Comment); err != nil {
		return err
	}
	id, err := parseID(pathParam(r, "index_id"))
	if err != nil {
		return err
	}
	return s.putIndexSubject(w, r, id, body.SubjectID, body.Sort, body.Comment)
}

// editIndexSubject serves PUT /v0/indices/{index_id}/subjects/{subject_id} (§7.8): body,
// subject id, comment, index id, then as POST (a subject not listed is added).
func (s *server) editIndexSubject(w http.ResponseWriter, r *http.Request) error {
	var body IndexSubjectEditInfo
	if err := decodeStrictBody(r, &body); err != nil {
		return err
	}
	sid, err := parseID(pathParam(r, "subject_id"))
	if err != nil {
		return err
	}
	if err := usecase.CheckIndexText(body.Comment); err != nil {
		return err
	}
	id, err := parseID(pathParam(r, "index_id"))
	if err != nil {
		return err
	}
	return s.putIndexSubject(w, r, id, sid, body.Sort, body.Comment)
}

// putIndexSubject answers the entry: added_at is the time of the request, with sub-second
// precision, and date is always null (bangumi does not load the subject's fields here).
func (s *server) putIndexSubject(w http.ResponseWriter, r *http.Request, id, sid, order uint32, comment string) error {
	is, err := s.indices.PutSubject(r.Context(), viewer(r), id, sid, order, comment)
	if err != nil {
		return err
	}
	out := indexSubject(is)
	out.AddedAt, out.Date = is.Entry.AddedAt.UTC().Format(time.RFC3339Nano), nil
	writeJSON(w, http.StatusOK, out)
	return nil
}

// removeIndexSubject serves DELETE /v0/indices/{index_id}/subjects/{subject_id} (§7.9): index
// id, the index and its creator, then the subject id; 200 with no body, also when the subject
// was not listed.
func (s *server) removeIndexSubject(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(pathParam(r, "index_id"))
	if err != nil {
		return err
	}
	if err := s.indices.CheckOwner(r.Context(), viewer(r), id); err != nil {
		return err
	}
	sid, err := parseID(pathParam(r, "subject_id"))
	if err != nil {
		return err
	}
	if err := s.indices.RemoveSubject(r.Context(), viewer(r), id, sid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// indexCollect serves POST (collect) and DELETE (uncollect) /v0/indices/{index_id}/collect
// (§7.10, N16): the id, then the use case; 200 with no body.
func (s *server) indexCollect(collect bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := parseID(pathParam(r, "index_id"))
		if err != nil {
			return err
		}
		change := s.indices.Uncollect
		if collect {
			change = s.indices.Collect
		}
		if err := change(r.Context(), viewer(r), id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
		return nil
	}
}
