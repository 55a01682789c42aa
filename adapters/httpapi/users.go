package httpapi

import (
	"net/http"

	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/usecase"
)

// usernamePath is the path parameter of the user collection endpoints.
type usernamePath struct {
	Username string `path:"username" required:"true" description:"用户名（设置了用户名之后无法使用 UID）" example:"sai"`
}

// pageQuery is the hard pagination of user collections.
type pageQuery struct {
	Limit  int `query:"limit" minimum:"1" maximum:"100" default:"30" description:"分页参数：每页条数"`
	Offset int `query:"offset" minimum:"0" default:"0" description:"分页参数：跳过的条数，不能超过总数"`
}

// listSubjectCollectionsRequest filters a user's subject collections.
type listSubjectCollectionsRequest struct {
	usernamePath
	SubjectType uint8 `query:"subject_type" enum:"[1,2,3,4,6]" description:"条目类型，默认为全部：1 书籍、2 动画、3 音乐、4 游戏、6 三次元"`
	Type        uint8 `query:"type" enum:"[0,1,2,3,4,5]" description:"收藏类型，默认为全部：1 想看、2 看过、3 在看、4 搁置、5 抛弃"`
	pageQuery
}

type getSubjectCollectionRequest struct {
	usernamePath
	subjectPath
}

type listMonoCollectionsRequest struct {
	usernamePath
	pageQuery
}

type getCharacterCollectionRequest struct {
	usernamePath
	characterPath
}

type getPersonCollectionRequest struct {
	usernamePath
	personPath
}

func errMissingUsername() error { return badRequest("missing require parameters `username`") }

// listSubjectCollections: GET /v0/users/{username}/collections (http-v0.md §5.1), validated in
// bangumi's order: page, username, subject_type, type.
func (s *server) listSubjectCollections(w http.ResponseWriter, r *http.Request) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	in := listSubjectCollectionsRequest{
		usernamePath: usernamePath{Username: pathParam(r, "username")},
		pageQuery:    pageQuery{Limit: page.Limit, Offset: page.Offset},
	}
	if in.Username == "" {
		return errMissingUsername()
	}
	q := r.URL.Query()
	if in.SubjectType, err = parseSubjectType(q.Get("subject_type")); err != nil {
		return err
	}
	if in.Type, err = parseCollectionType(q.Get("type")); err != nil {
		return err
	}
	res, err := s.collections.ListSubjects(r.Context(), viewer(r), in.Username, in.SubjectType, in.Type, page)
	if err != nil {
		return err
	}
	out := make([]UserSubjectCollection, len(res.Items))
	for i, it := range res.Items {
		out[i] = userSubjectCollection(it)
	}
	writeJSON(w, http.StatusOK, Paged[UserSubjectCollection]{Data: out, Total: res.Total, Limit: page.Limit, Offset: page.Offset})
	return nil
}

func userSubjectCollection(it usecase.SubjectCollectionItem) UserSubjectCollection {
	c := it.Collection
	var comment *string
	if c.Comment != "" {
		comment = &c.Comment
	}
	return UserSubjectCollection{
		SubjectID: c.SubjectID, SubjectType: c.SubjectType, Rate: c.Rate, Type: c.Type, Comment: comment,
		Tags: subject.SplitTags(c.Tags), EpStatus: c.EpStatus, VolStatus: c.VolStatus,
		UpdatedAt: timestamp(c.UpdatedAt), Private: c.IsPrivate(), Subject: slimSubject(it.Subject),
	}
}

// getSubjectCollection: GET /v0/users/{username}/collections/{subject_id} (§5.2).
func (s *server) getSubjectCollection(w http.ResponseWriter, r *http.Request) error {
	var in getSubjectCollectionRequest
	if in.Username = pathParam(r, "username"); in.Username == "" {
		return errMissingUsername()
	}
	var err error
	if in.subjectPath, err = parseSubjectPath(r); err != nil {
		return err
	}
	it, err := s.collections.GetSubject(r.Context(), viewer(r), in.Username, in.SubjectID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userSubjectCollection(it))
	return nil
}

func monoCollection(it usecase.MonoCollectionItem) MonoCollection {
	out := MonoCollection{ID: it.Collect.TargetID, CreatedAt: timestamp(it.Collect.CreatedAt)}
	switch it.Collect.Category {
	case mono.Character:
		out.Type, out.Name, out.Images = it.Character.Role, it.Character.Name, personImages(it.Character.Image)
	case mono.Person:
		out.Type, out.Name, out.Images = it.Person.Type, it.Person.Name, personImages(it.Person.Image)
	}
	return out
}

// listMonoCollections serves GET /v0/users/{username}/collections/-/characters and -/persons;
// conv gives each list its own item type (and so its own OpenAPI schema).
func listMonoCollections[T any](s *server, cat mono.Category, conv func(MonoCollection) T) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		page, err := pageOf(r)
		if err != nil {
			return err
		}
		in := listMonoCollectionsRequest{usernamePath{pathParam(r, "username")}, pageQuery{page.Limit, page.Offset}}
		if in.Username == "" {
			return errMissingUsername()
		}
		res, err := s.collections.ListMonos(r.Context(), in.Username, cat, page)
		if err != nil {
			return err
		}
		out := make([]T, len(res.Items))
		for i, it := range res.Items {
			out[i] = conv(monoCollection(it))
		}
		writeJSON(w, http.StatusOK, Paged[T]{Data: out, Total: res.Total, Limit: page.Limit, Offset: page.Offset})
		return nil
	}
}

// getCharacterCollection: GET /v0/users/{username}/collections/-/characters/{character_id}.
func (s *server) getCharacterCollection(w http.ResponseWriter, r *http.Request) error {
	var in getCharacterCollectionRequest
	if in.Username = pathParam(r, "username"); in.Username == "" {
		return errMissingUsername()
	}
	var err error
	if in.characterPath, err = parseCharacterPath(r); err != nil {
		return err
	}
	it, err := s.collections.GetMono(r.Context(), in.Username, mono.Character, in.CharacterID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, UserCharacterCollection(monoCollection(it)))
	return nil
}

// getPersonCollection: GET /v0/users/{username}/collections/-/persons/{person_id}.
func (s *server) getPersonCollection(w http.ResponseWriter, r *http.Request) error {
	var in getPersonCollectionRequest
	if in.Username = pathParam(r, "username"); in.Username == "" {
		return errMissingUsername()
	}
	var err error
	if in.personPath, err = parsePersonPath(r); err != nil {
		return err
	}
	it, err := s.collections.GetMono(r.Context(), in.Username, mono.Person, in.PersonID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, UserPersonCollection(monoCollection(it)))
	return nil
}
