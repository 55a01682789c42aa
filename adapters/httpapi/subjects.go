package httpapi

import (
	"net/http"
	"strconv"

	"github.com/bangumi/chii/domain/image"
	"github.com/bangumi/chii/domain/person"
)

// subjectPath is the path parameter of the subject endpoints.
type subjectPath struct {
	SubjectID uint32 `path:"subject_id" required:"true" minimum:"1" maximum:"4294967295" description:"条目 ID" example:"8"`
}

func parseSubjectPath(r *http.Request) (in subjectPath, err error) {
	in.SubjectID, err = parseID(pathParam(r, "subject_id"))
	return in, err
}

// subjectImageRequest asks for one size of a subject cover.
type subjectImageRequest struct {
	subjectPath
	Type string `query:"type" required:"true" enum:"small,grid,large,medium,common" description:"图片尺寸" example:"large"`
}

// getSubject: GET /v0/subjects/{subject_id} (http-v0.md §2.1).
func (s *server) getSubject(w http.ResponseWriter, r *http.Request) error {
	in, err := parseSubjectPath(r)
	if err != nil {
		return err
	}
	dependsOn(r, 's', in.SubjectID)
	d, err := s.subjects.Get(r.Context(), viewer(r), in.SubjectID)
	if err != nil {
		return err
	}
	if d.Subject.Redirect != 0 {
		redirect(w, "/v0/subjects/"+strconv.FormatUint(uint64(d.Subject.Redirect), 10))
		return nil
	}
	cacheUnlessNSFW(w, d.Subject.NSFW, cacheHour)
	writeJSON(w, http.StatusOK, subjectDetail(d.Subject, d.TotalEpisodes, d.MetaTags))
	return nil
}

// getSubjectImage: GET /v0/subjects/{subject_id}/image (§2.2). Merged subjects are not followed.
func (s *server) getSubjectImage(w http.ResponseWriter, r *http.Request) error {
	var in subjectImageRequest
	var err error
	if in.subjectPath, err = parseSubjectPath(r); err != nil {
		return err
	}
	dependsOn(r, 's', in.SubjectID)
	sub, err := s.subjects.Image(r.Context(), viewer(r), in.SubjectID)
	if err != nil {
		return err
	}
	in.Type = r.URL.Query().Get("type")
	url, ok := image.ForSubject(sub.Image).Select(in.Type)
	if !ok {
		return badImageType(in.Type)
	}
	cacheUnlessNSFW(w, sub.NSFW, cacheHour)
	redirect(w, url)
	return nil
}

// getSubjectPersons: GET /v0/subjects/{subject_id}/persons (§2.3).
func (s *server) getSubjectPersons(w http.ResponseWriter, r *http.Request) error {
	in, err := parseSubjectPath(r)
	if err != nil {
		return err
	}
	dependsOn(r, 's', in.SubjectID)
	sub, staff, err := s.subjects.PersonsOf(r.Context(), viewer(r), in.SubjectID)
	if err != nil {
		return err
	}
	out := make([]RelatedPerson, len(staff))
	for i, sp := range staff {
		p := sp.Person
		dependsOn(r, 'p', p.ID)
		out[i] = RelatedPerson{
			ID: p.ID, Name: p.Name, Type: p.Type, Career: p.Career.Names(),
			Images: personImages(p.Image), Relation: staffLabel(sub.Type, sp.Credit.Position),
			Eps: sp.Credit.AppearEps,
		}
	}
	cacheUnlessNSFW(w, sub.NSFW, cacheHour)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getSubjectCharacters: GET /v0/subjects/{subject_id}/characters (§2.4).
func (s *server) getSubjectCharacters(w http.ResponseWriter, r *http.Request) error {
	in, err := parseSubjectPath(r)
	if err != nil {
		return err
	}
	dependsOn(r, 's', in.SubjectID)
	sub, chars, err := s.subjects.CharactersOf(r.Context(), viewer(r), in.SubjectID)
	if err != nil {
		return err
	}
	out := make([]RelatedCharacter, len(chars))
	for i, sc := range chars {
		c := sc.Character
		dependsOn(r, 'c', c.ID)
		for _, a := range sc.Actors {
			dependsOn(r, 'p', a.ID)
		}
		out[i] = RelatedCharacter{
			ID: c.ID, Name: c.Name, Type: c.Role, Summary: c.Summary, Images: personImages(c.Image),
			Relation: characterRoleLabel(sc.Appearance.Type), Actors: actors(sc.Actors),
		}
	}
	cacheUnlessNSFW(w, sub.NSFW, cacheHour)
	writeJSON(w, http.StatusOK, out)
	return nil
}

func actors(ps []person.Person) []Actor {
	out := make([]Actor, len(ps))
	for i, p := range ps {
		out[i] = Actor{
			ID: p.ID, Name: p.Name, Type: p.Type, Career: p.Career.Names(), Images: personImages(p.Image),
			ShortSummary: p.Summary, Locked: p.Locked(),
		}
	}
	return out
}

// getSubjectRelations: GET /v0/subjects/{subject_id}/subjects (§2.5).
func (s *server) getSubjectRelations(w http.ResponseWriter, r *http.Request) error {
	in, err := parseSubjectPath(r)
	if err != nil {
		return err
	}
	dependsOn(r, 's', in.SubjectID)
	subj, related, err := s.subjects.Related(r.Context(), viewer(r), in.SubjectID)
	if err != nil {
		return err
	}
	out := make([]SubjectRelation, len(related))
	for i, rs := range related {
		sub := rs.Subject
		dependsOn(r, 's', sub.ID)
		out[i] = SubjectRelation{
			ID: sub.ID, Type: sub.Type, Name: sub.Name, NameCN: sub.NameCN, Images: subjectImages(sub.Image),
			Relation: relationLabel(sub.Type, rs.Relation.RelationType),
		}
	}
	cacheUnlessNSFW(w, subj.NSFW, cacheHour)
	writeJSON(w, http.StatusOK, out)
	return nil
}
