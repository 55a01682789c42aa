package httpapi

import (
	"net/http"
	"strconv"

	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/image"
	"github.com/bangumi/chii/domain/mono"
)

// characterPath is the path parameter of the character endpoints.
type characterPath struct {
	CharacterID uint32 `path:"character_id" required:"true" minimum:"1" maximum:"4294967295" description:"角色 ID" example:"1"`
}

func parseCharacterPath(r *http.Request) (in characterPath, err error) {
	in.CharacterID, err = parseID(pathParam(r, "character_id"))
	return in, err
}

// monoImageRequest asks for one size of a character or person picture.
type monoImageRequest struct {
	Type string `query:"type" required:"true" enum:"small,grid,large,medium" description:"图片尺寸" example:"large"`
}

type characterImageRequest struct {
	characterPath
	monoImageRequest
}

func characterDetail(c character.Character) Character {
	f := fieldsOf(c.Fields)
	return Character{
		ID: c.ID, Name: c.Name, Type: c.Role, Summary: c.Summary, Locked: c.Locked(), NSFW: c.NSFW,
		Images: personImages(c.Image), Infobox: infobox(c.Infobox),
		Gender: f.gender, BloodType: f.bloodType, BirthYear: f.birthYear, BirthMon: f.birthMon, BirthDay: f.birthDay,
		Stat: Stat{Comments: c.Comments, Collects: c.Collects},
	}
}

// getCharacter: GET /v0/characters/{character_id} (http-v0.md §3.1).
func (s *server) getCharacter(w http.ResponseWriter, r *http.Request) error {
	in, err := parseCharacterPath(r)
	if err != nil {
		return err
	}
	dependsOn(r, 'c', in.CharacterID)
	c, err := s.characters.Get(r.Context(), viewer(r), in.CharacterID)
	if err != nil {
		return err
	}
	if c.Redirect != 0 {
		redirect(w, "/v0/characters/"+strconv.FormatUint(uint64(c.Redirect), 10))
		return nil
	}
	if !c.NSFW {
		cacheFor(w, cacheHour)
	}
	writeJSON(w, http.StatusOK, characterDetail(c))
	return nil
}

// getCharacterImage: GET /v0/characters/{character_id}/image (§3.2): no NSFW or redirect handling.
func (s *server) getCharacterImage(w http.ResponseWriter, r *http.Request) error {
	var in characterImageRequest
	var err error
	if in.characterPath, err = parseCharacterPath(r); err != nil {
		return err
	}
	dependsOn(r, 'c', in.CharacterID)
	c, err := s.characters.Image(r.Context(), in.CharacterID)
	if err != nil {
		return err
	}
	return monoImage(w, r, &in.monoImageRequest, c.Image)
}

// monoImage redirects to the asked size of a character or person picture.
func monoImage(w http.ResponseWriter, r *http.Request, in *monoImageRequest, path string) error {
	in.Type = r.URL.Query().Get("type")
	url, ok := image.ForPerson(path).Select(in.Type)
	if !ok {
		return badImageType(in.Type)
	}
	cacheFor(w, cacheDay)
	redirect(w, url)
	return nil
}

// getCharacterSubjects: GET /v0/characters/{character_id}/subjects (§3.3).
func (s *server) getCharacterSubjects(w http.ResponseWriter, r *http.Request) error {
	in, err := parseCharacterPath(r)
	if err != nil {
		return err
	}
	dependsOn(r, 'c', in.CharacterID)
	subjects, err := s.characters.SubjectsOf(r.Context(), in.CharacterID)
	if err != nil {
		return err
	}
	out := make([]RelatedSubject, len(subjects))
	for i, cs := range subjects {
		sub := cs.Subject
		dependsOn(r, 's', sub.ID)
		out[i] = RelatedSubject{
			ID: sub.ID, Type: sub.Type, Staff: characterRoleLabel(cs.Appearance.Type),
			Name: sub.Name, NameCN: sub.NameCN, Image: image.ForSubject(sub.Image).Large,
		}
	}
	cacheFor(w, cacheHour)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getCharacterPersons: GET /v0/characters/{character_id}/persons (§3.4).
func (s *server) getCharacterPersons(w http.ResponseWriter, r *http.Request) error {
	in, err := parseCharacterPath(r)
	if err != nil {
		return err
	}
	dependsOn(r, 'c', in.CharacterID)
	casts, err := s.characters.PersonsOf(r.Context(), in.CharacterID)
	if err != nil {
		return err
	}
	out := make([]CharacterPerson, len(casts))
	for i, e := range casts {
		dependsOn(r, 'p', e.Person.ID)
		dependsOn(r, 's', e.Subject.ID)
		out[i] = CharacterPerson{
			ID: e.Person.ID, Name: e.Person.Name, Type: e.Person.Type, Images: personImages(e.Person.Image),
			SubjectID: e.Subject.ID, SubjectType: e.Subject.Type,
			SubjectName: e.Subject.Name, SubjectNameCN: e.Subject.NameCN,
			Staff: characterRoleLabel(e.Appearance.Type),
		}
	}
	cacheFor(w, cacheHour)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// collectCharacter: POST /v0/characters/{character_id}/collect (§3.5, decision D2).
func (s *server) collectCharacter(w http.ResponseWriter, r *http.Request) error {
	in, err := parseCharacterPath(r)
	if err != nil {
		return err
	}
	if err := s.collect.Add(r.Context(), viewer(r), mono.Character, in.CharacterID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// uncollectCharacter: DELETE /v0/characters/{character_id}/collect (decision D2).
func (s *server) uncollectCharacter(w http.ResponseWriter, r *http.Request) error {
	in, err := parseCharacterPath(r)
	if err != nil {
		return err
	}
	if err := s.collect.Remove(r.Context(), viewer(r), mono.Character, in.CharacterID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
