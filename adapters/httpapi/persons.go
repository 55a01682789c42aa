package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/bangumi/chii/domain"

	"github.com/bangumi/chii/domain/image"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/person"
)

// personPath is the path parameter of the person endpoints.
type personPath struct {
	PersonID uint32 `path:"person_id" required:"true" minimum:"1" maximum:"4294967295" description:"人物 ID" example:"1"`
}

func parsePersonPath(r *http.Request) (in personPath, err error) {
	in.PersonID, err = parseID(pathParam(r, "person_id"))
	return in, err
}

type personImageRequest struct {
	personPath
	monoImageRequest
}

// zeroTime is the last_modified bangumi emits for every person.
var zeroTime = timestamp(time.Time{})

func personDetail(p person.Person) PersonDetail {
	f := fieldsOf(p.Fields)
	images := personImages(p.Image)
	return PersonDetail{
		ID: p.ID, Name: p.Name, Type: p.Type, Career: p.Career.Names(), Summary: p.Summary, Locked: p.Locked(),
		Images: images, Img: images.Large, Infobox: infobox(p.Infobox),
		Gender: f.gender, BloodType: f.bloodType, BirthYear: f.birthYear, BirthMon: f.birthMon, BirthDay: f.birthDay,
		Stat: Stat{Comments: p.Comments, Collects: p.Collects}, LastModified: zeroTime,
	}
}

// getPerson: GET /v0/persons/{person_id} (http-v0.md §4.1). The cache header is set before
// the redirect check, so a redirect carries it too. Persons are never NSFW-gated.
func (s *server) getPerson(w http.ResponseWriter, r *http.Request) error {
	in, err := parsePersonPath(r)
	if err != nil {
		return err
	}
	dependsOn(r, 'p', in.PersonID)
	p, err := s.persons.Get(r.Context(), in.PersonID)
	if err != nil {
		return err
	}
	cacheFor(w, cacheHour)
	if p.Redirect != 0 {
		redirect(w, "/v0/persons/"+strconv.FormatUint(uint64(p.Redirect), 10))
		return nil
	}
	writeJSON(w, http.StatusOK, personDetail(p))
	return nil
}

// getPersonImage: GET /v0/persons/{person_id}/image (§4.2).
func (s *server) getPersonImage(w http.ResponseWriter, r *http.Request) error {
	var in personImageRequest
	var err error
	if in.personPath, err = parsePersonPath(r); err != nil {
		return err
	}
	dependsOn(r, 'p', in.PersonID)
	p, err := s.persons.Get(r.Context(), in.PersonID)
	if err != nil {
		return err
	}
	return monoImage(w, r, &in.monoImageRequest, p.Image)
}

// getPersonSubjects: GET /v0/persons/{person_id}/subjects (§4.3).
func (s *server) getPersonSubjects(w http.ResponseWriter, r *http.Request) error {
	in, err := parsePersonPath(r)
	if err != nil {
		return err
	}
	dependsOn(r, 'p', in.PersonID)
	subjects, err := s.persons.SubjectsOf(r.Context(), in.PersonID)
	if err != nil {
		return err
	}
	out := make([]PersonRelatedSubject, len(subjects))
	for i, ps := range subjects {
		sub := ps.Subject
		dependsOn(r, 's', sub.ID)
		out[i] = PersonRelatedSubject{
			RelatedSubject: RelatedSubject{
				ID: sub.ID, Type: sub.Type, Staff: staffLabel(sub.Type, ps.Credit.Position),
				Name: sub.Name, NameCN: sub.NameCN, Image: image.ForSubject(sub.Image).Large,
			},
			Eps: ps.Credit.AppearEps,
		}
	}
	cacheFor(w, cacheHour)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getPersonCharacters: GET /v0/persons/{person_id}/characters (§4.4). Like bangumi's, its
// 404s (missing or merged person) carry the cache header too.
func (s *server) getPersonCharacters(w http.ResponseWriter, r *http.Request) error {
	in, err := parsePersonPath(r)
	if err != nil {
		return err
	}
	dependsOn(r, 'p', in.PersonID)
	casts, err := s.persons.CharactersOf(r.Context(), in.PersonID)
	if err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			cacheFor(w, cacheHour)
		}
		return err
	}
	cacheFor(w, cacheHour)
	out := make([]PersonCharacter, len(casts))
	for i, e := range casts {
		dependsOn(r, 'c', e.Character.ID)
		dependsOn(r, 's', e.Subject.ID)
		out[i] = PersonCharacter{
			ID: e.Character.ID, Name: e.Character.Name, Type: e.Character.Role, Images: personImages(e.Character.Image),
			SubjectID: e.Subject.ID, SubjectType: e.Subject.Type,
			SubjectName: e.Subject.Name, SubjectNameCN: e.Subject.NameCN,
			Staff: characterRoleLabel(e.Appearance.Type),
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// collectPerson: POST /v0/persons/{person_id}/collect (§4.5, decision D2).
func (s *server) collectPerson(w http.ResponseWriter, r *http.Request) error {
	in, err := parsePersonPath(r)
	if err != nil {
		return err
	}
	if err := s.collect.Add(r.Context(), viewer(r), mono.Person, in.PersonID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// uncollectPerson: DELETE /v0/persons/{person_id}/collect (decision D2).
func (s *server) uncollectPerson(w http.ResponseWriter, r *http.Request) error {
	in, err := parsePersonPath(r)
	if err != nil {
		return err
	}
	if err := s.collect.Remove(r.Context(), viewer(r), mono.Person, in.PersonID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
