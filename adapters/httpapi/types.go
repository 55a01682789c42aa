package httpapi

import (
	"encoding/json"
	"time"

	"github.com/swaggest/jsonschema-go"

	"github.com/bangumi/chii/domain/image"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/wiki"
)

// Response bodies of the /v0 read API. Field names and shapes are bangumi's wire format;
// the OpenAPI document is reflected from these types.

// SubjectImages are the five sizes of a subject cover; every URL is "" when there is no cover.
type SubjectImages struct {
	Large  string `json:"large" required:"true" example:"https://lain.bgm.tv/pic/cover/l/c9/f0/8_wK0z3.jpg"`
	Common string `json:"common" required:"true" example:"https://lain.bgm.tv/r/400/pic/cover/l/c9/f0/8_wK0z3.jpg"`
	Medium string `json:"medium" required:"true" example:"https://lain.bgm.tv/r/800/pic/cover/l/c9/f0/8_wK0z3.jpg"`
	Small  string `json:"small" required:"true" example:"https://lain.bgm.tv/r/200/pic/cover/l/c9/f0/8_wK0z3.jpg"`
	Grid   string `json:"grid" required:"true" example:"https://lain.bgm.tv/r/100/pic/cover/l/c9/f0/8_wK0z3.jpg"`
}

func subjectImages(path string) SubjectImages {
	i := image.ForSubject(path)
	return SubjectImages{Large: i.Large, Common: i.Common, Medium: i.Medium, Small: i.Small, Grid: i.Grid}
}

// PersonImages are the four sizes of a person or character picture; "" when there is none.
type PersonImages struct {
	Large  string `json:"large" required:"true" example:"https://lain.bgm.tv/pic/crt/l/7b/3a/1_crt_8V556.jpg?r=1603459589"`
	Medium string `json:"medium" required:"true" example:"https://lain.bgm.tv/r/400/pic/crt/l/7b/3a/1_crt_8V556.jpg?r=1603459589"`
	Small  string `json:"small" required:"true" example:"https://lain.bgm.tv/r/100/pic/crt/l/7b/3a/1_crt_8V556.jpg?r=1603459589"`
	Grid   string `json:"grid" required:"true" example:"https://lain.bgm.tv/pic/crt/g/7b/3a/1_crt_8V556.jpg?r=1603459589"`
}

func personImages(path string) PersonImages {
	i := image.ForPerson(path)
	return PersonImages{Large: i.Large, Medium: i.Medium, Small: i.Small, Grid: i.Grid}
}

// InfoboxItem is one entry of a wiki infobox: value is a string or a list of {k?, v}.
type InfoboxItem struct {
	Key   string       `json:"key" required:"true" example:"中文名"`
	Value InfoboxValue `json:"value" required:"true"`
}

// InfoboxValue is a scalar string or a list of items.
type InfoboxValue struct {
	scalar string
	items  []InfoboxKV
}

// InfoboxKV is one item of a list value; k is absent for an item without a key.
type InfoboxKV struct {
	K string `json:"k,omitempty" example:"英文名"`
	V string `json:"v" required:"true" example:"Code Geass: Lelouch of the Rebellion R2"`
}

// MarshalJSON emits the string or the list.
func (v InfoboxValue) MarshalJSON() ([]byte, error) {
	if v.items != nil {
		return json.Marshal(v.items)
	}
	return json.Marshal(v.scalar)
}

// JSONSchemaOneOf documents the two shapes of a value.
func (InfoboxValue) JSONSchemaOneOf() []any { return []any{"", []InfoboxKV{}} }

// PrepareJSONSchema drops the object type the reflector infers from the struct.
func (InfoboxValue) PrepareJSONSchema(s *jsonschema.Schema) error {
	s.Type = nil
	s.Properties = nil
	return nil
}

func infobox(raw string) []InfoboxItem {
	entries := wiki.Infobox(raw)
	out := make([]InfoboxItem, len(entries))
	for i, e := range entries {
		item := InfoboxItem{Key: e.Key, Value: InfoboxValue{scalar: e.Value}}
		if e.Array {
			kvs := make([]InfoboxKV, len(e.Values))
			for j, it := range e.Values {
				kvs[j] = InfoboxKV{K: it.Key, V: it.Value}
			}
			item.Value = InfoboxValue{items: kvs}
		}
		out[i] = item
	}
	return out
}

// RatingCount is the number of votes for each score.
type RatingCount struct {
	S1  uint32 `json:"1" required:"true"`
	S2  uint32 `json:"2" required:"true"`
	S3  uint32 `json:"3" required:"true"`
	S4  uint32 `json:"4" required:"true"`
	S5  uint32 `json:"5" required:"true"`
	S6  uint32 `json:"6" required:"true"`
	S7  uint32 `json:"7" required:"true"`
	S8  uint32 `json:"8" required:"true"`
	S9  uint32 `json:"9" required:"true"`
	S10 uint32 `json:"10" required:"true"`
}

// Rating summarises the votes of a subject; everything is 0 when nobody voted.
type Rating struct {
	Rank  uint32      `json:"rank" required:"true" description:"Rank among subjects of the same type, 0 when unranked" example:"121"`
	Total uint32      `json:"total" required:"true" description:"Number of votes" example:"9438"`
	Count RatingCount `json:"count" required:"true"`
	Score float64     `json:"score" required:"true" description:"Mean vote, one decimal" example:"8.2"`
}

func rating(s subject.Subject) Rating {
	r := s.Rating()
	c := r.Count
	return Rating{Rank: r.Rank, Total: r.Total, Score: r.Score, Count: RatingCount{
		c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9],
	}}
}

// SubjectCollectionStat counts the users having the subject in each collection state.
type SubjectCollectionStat struct {
	Wish    uint32 `json:"wish" required:"true" example:"622"`
	Collect uint32 `json:"collect" required:"true" example:"13216"`
	Doing   uint32 `json:"doing" required:"true" example:"147"`
	OnHold  uint32 `json:"on_hold" required:"true" example:"224"`
	Dropped uint32 `json:"dropped" required:"true" example:"115"`
}

// Tag is a user tag of a subject.
type Tag struct {
	Name       string `json:"name" required:"true" example:"SUNRISE"`
	Count      int    `json:"count" required:"true" example:"1229"`
	TotalCount int    `json:"total_count" required:"true" example:"0"`
}

func tags(ts []subject.Tag, limit int) []Tag {
	if limit >= 0 && len(ts) > limit {
		ts = ts[:limit]
	}
	out := make([]Tag, len(ts))
	for i, t := range ts {
		out[i] = Tag{Name: t.Name, Count: t.Count, TotalCount: t.TotalCount}
	}
	return out
}

// date formats a subject date; the zero time is unknown (null).
func date(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.Format(time.DateOnly)
	return &s
}

// timestamp formats a time as RFC 3339 in UTC, like bangumi's servers.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Subject is a subject's detail (SubjectV0).
type Subject struct {
	ID            uint32                `json:"id" required:"true" example:"8"`
	Type          uint8                 `json:"type" required:"true" enum:"[1,2,3,4,6]" description:"1 book, 2 anime, 3 music, 4 game, 6 real" example:"2"`
	Name          string                `json:"name" required:"true" example:"コードギアス 反逆のルルーシュR2"`
	NameCN        string                `json:"name_cn" required:"true" example:"Code Geass 反叛的鲁路修R2"`
	Summary       string                `json:"summary" required:"true"`
	Series        bool                  `json:"series" required:"true" description:"Whether a book is a series (单行本系列)"`
	NSFW          bool                  `json:"nsfw" required:"true"`
	Locked        bool                  `json:"locked" required:"true"`
	Date          *string               `json:"date" required:"true" format:"date" description:"Air or release date, YYYY-MM-DD; null when unknown" example:"2008-04-06"`
	Platform      *string               `json:"platform" required:"true" description:"Platform label (TV, Web, 小说, PC…); null for an unknown platform id" example:"TV"`
	Images        SubjectImages         `json:"images" required:"true"`
	Infobox       []InfoboxItem         `json:"infobox" required:"true"`
	Volumes       uint32                `json:"volumes" required:"true" description:"Number of volumes (books)" example:"0"`
	Eps           uint32                `json:"eps" required:"true" description:"Number of episodes as entered by wiki editors" example:"25"`
	TotalEpisodes int64                 `json:"total_episodes" required:"true" description:"Number of episodes in the database" example:"25"`
	Rating        Rating                `json:"rating" required:"true"`
	Collection    SubjectCollectionStat `json:"collection" required:"true"`
	Tags          []Tag                 `json:"tags" required:"true"`
	MetaTags      []string              `json:"meta_tags" required:"true" description:"Tags set by wiki editors" example:"[\"TV\",\"原创\"]"`
}

func subjectDetail(s subject.Subject, totalEpisodes int64, metaTags []string) Subject {
	if metaTags == nil {
		metaTags = []string{}
	}
	c := s.Collection
	return Subject{
		ID: s.ID, Type: s.Type, Name: s.Name, NameCN: s.NameCN, Summary: s.Summary,
		Series: s.Series, NSFW: s.NSFW, Locked: s.Locked(),
		Date: date(s.Date), Platform: platform(s.Type, s.Platform),
		Images: subjectImages(s.Image), Infobox: infobox(s.Infobox),
		Volumes: s.Volumes, Eps: s.Eps, TotalEpisodes: totalEpisodes,
		Rating: rating(s),
		Collection: SubjectCollectionStat{
			Wish: c.Wish, Collect: c.Collect, Doing: c.Doing, OnHold: c.OnHold, Dropped: c.Dropped,
		},
		Tags: tags(s.Tags, -1), MetaTags: metaTags,
	}
}

// RelatedPerson is a staff member of a subject.
type RelatedPerson struct {
	ID       uint32       `json:"id" required:"true" example:"1441"`
	Name     string       `json:"name" required:"true" example:"角本百合子"`
	Type     uint8        `json:"type" required:"true" description:"1 individual, 2 company, 3 group" example:"1"`
	Career   []string     `json:"career" required:"true" example:"[\"producer\"]"`
	Images   PersonImages `json:"images" required:"true"`
	Relation string       `json:"relation" required:"true" description:"Staff position in the subject" example:"美术设计"`
	Eps      string       `json:"eps" required:"true" description:"Episodes the person took part in" example:""`
}

// Actor is a person casting a character.
type Actor struct {
	ID           uint32       `json:"id" required:"true" example:"5076"`
	Name         string       `json:"name" required:"true" example:"福山潤"`
	Type         uint8        `json:"type" required:"true" example:"1"`
	Career       []string     `json:"career" required:"true" example:"[\"seiyu\"]"`
	Images       PersonImages `json:"images" required:"true"`
	ShortSummary string       `json:"short_summary" required:"true"`
	Locked       bool         `json:"locked" required:"true"`
}

// RelatedCharacter is a character of a subject with its actors.
type RelatedCharacter struct {
	ID       uint32       `json:"id" required:"true" example:"32"`
	Name     string       `json:"name" required:"true" example:"ちぃ"`
	Type     uint8        `json:"type" required:"true" description:"1 character, 2 mecha, 3 ship, 4 organisation" example:"1"`
	Summary  string       `json:"summary" required:"true"`
	Images   PersonImages `json:"images" required:"true"`
	Relation string       `json:"relation" required:"true" description:"Role in the subject (主角, 配角, 客串…)" example:"主角"`
	Actors   []Actor      `json:"actors" required:"true"`
}

// SubjectRelation is a subject related to another one.
type SubjectRelation struct {
	ID       uint32        `json:"id" required:"true" example:"19"`
	Type     uint8         `json:"type" required:"true" example:"2"`
	Name     string        `json:"name" required:"true"`
	NameCN   string        `json:"name_cn" required:"true"`
	Images   SubjectImages `json:"images" required:"true"`
	Relation string        `json:"relation" required:"true" example:"续集"`
}

// Stat counts the comments and collects of a character or person.
type Stat struct {
	Comments uint32 `json:"comments" required:"true" example:"111"`
	Collects uint32 `json:"collects" required:"true" example:"667"`
}

// monoFields are the nullable structured fields of characters and persons.
type monoFields struct {
	gender                        *string
	bloodType, birthMon, birthDay *uint8
	birthYear                     *uint16
}

func nonZero[T uint8 | uint16](v T) *T {
	if v == 0 {
		return nil
	}
	return &v
}

func fieldsOf(f mono.Fields) monoFields {
	out := monoFields{
		bloodType: nonZero(f.BloodType), birthMon: nonZero(f.BirthMon),
		birthDay: nonZero(f.BirthDay), birthYear: nonZero(f.BirthYear),
	}
	if g := f.GenderName(); g != "" {
		out.gender = &g
	}
	return out
}

// Character is a character's detail (CharacterV0).
type Character struct {
	ID        uint32        `json:"id" required:"true" example:"1"`
	Name      string        `json:"name" required:"true" example:"ルルーシュ・ランペルージ"`
	Type      uint8         `json:"type" required:"true" description:"1 character, 2 mecha, 3 ship, 4 organisation" example:"1"`
	Summary   string        `json:"summary" required:"true"`
	Locked    bool          `json:"locked" required:"true"`
	NSFW      bool          `json:"nsfw" required:"true"`
	Images    PersonImages  `json:"images" required:"true"`
	Infobox   []InfoboxItem `json:"infobox" required:"true"`
	Gender    *string       `json:"gender" required:"true" enum:"male,female" example:"male"`
	BloodType *uint8        `json:"blood_type" required:"true" description:"1 A, 2 B, 3 AB, 4 O" example:"1"`
	BirthYear *uint16       `json:"birth_year" required:"true" example:"1985"`
	BirthMon  *uint8        `json:"birth_mon" required:"true" example:"12"`
	BirthDay  *uint8        `json:"birth_day" required:"true" example:"5"`
	Stat      Stat          `json:"stat" required:"true"`
}

// RelatedSubject is a subject a character appears in or a person is credited on.
type RelatedSubject struct {
	ID     uint32 `json:"id" required:"true" example:"12"`
	Type   uint8  `json:"type" required:"true" example:"2"`
	Staff  string `json:"staff" required:"true" description:"Role or position in the subject" example:"主角"`
	Name   string `json:"name" required:"true" example:"ちょびっツ"`
	NameCN string `json:"name_cn" required:"true" example:"人形电脑天使心"`
	Image  string `json:"image" required:"true" description:"Large cover URL, \"\" when none" example:"https://lain.bgm.tv/pic/cover/l/c2/0a/12_aDoa8.jpg"`
}

// PersonRelatedSubject is a subject a person is credited on.
type PersonRelatedSubject struct {
	RelatedSubject
	Eps string `json:"eps" required:"true" description:"Episodes the person took part in" example:""`
}

// CharacterPerson is a person casting a character, subject by subject.
type CharacterPerson struct {
	ID            uint32       `json:"id" required:"true" description:"Person id" example:"5076"`
	Name          string       `json:"name" required:"true" example:"福山潤"`
	Type          uint8        `json:"type" required:"true" description:"Person type" example:"1"`
	Images        PersonImages `json:"images" required:"true"`
	SubjectID     uint32       `json:"subject_id" required:"true" example:"8"`
	SubjectType   uint8        `json:"subject_type" required:"true" example:"2"`
	SubjectName   string       `json:"subject_name" required:"true"`
	SubjectNameCN string       `json:"subject_name_cn" required:"true"`
	Staff         string       `json:"staff" required:"true" description:"The character's role in the subject" example:"主角"`
}

// PersonCharacter is a character a person casts, subject by subject.
type PersonCharacter struct {
	ID            uint32       `json:"id" required:"true" description:"Character id" example:"1"`
	Name          string       `json:"name" required:"true"`
	Type          uint8        `json:"type" required:"true" description:"Character type" example:"1"`
	Images        PersonImages `json:"images" required:"true"`
	SubjectID     uint32       `json:"subject_id" required:"true" example:"8"`
	SubjectType   uint8        `json:"subject_type" required:"true" example:"2"`
	SubjectName   string       `json:"subject_name" required:"true"`
	SubjectNameCN string       `json:"subject_name_cn" required:"true"`
	Staff         string       `json:"staff" required:"true" description:"The character's role in the subject" example:"主角"`
}

// PersonDetail is a person's detail (PersonV0).
type PersonDetail struct {
	ID           uint32        `json:"id" required:"true" example:"1"`
	Name         string        `json:"name" required:"true" example:"水樹奈々"`
	Type         uint8         `json:"type" required:"true" description:"1 individual, 2 company, 3 group" example:"1"`
	Career       []string      `json:"career" required:"true" example:"[\"seiyu\"]"`
	Summary      string        `json:"summary" required:"true"`
	Locked       bool          `json:"locked" required:"true"`
	Images       PersonImages  `json:"images" required:"true"`
	Img          string        `json:"img" required:"true" description:"Same as images.large" example:"https://lain.bgm.tv/pic/crt/l/a6/e8/1_prsn_ZdFfp.jpg?r=1597241889"`
	Infobox      []InfoboxItem `json:"infobox" required:"true"`
	Gender       *string       `json:"gender" required:"true" enum:"male,female" example:"female"`
	BloodType    *uint8        `json:"blood_type" required:"true" description:"1 A, 2 B, 3 AB, 4 O" example:"1"`
	BirthYear    *uint16       `json:"birth_year" required:"true" example:"1980"`
	BirthMon     *uint8        `json:"birth_mon" required:"true" example:"1"`
	BirthDay     *uint8        `json:"birth_day" required:"true" example:"21"`
	Stat         Stat          `json:"stat" required:"true"`
	LastModified string        `json:"last_modified" required:"true" format:"date-time" description:"Always the zero time" example:"0001-01-01T00:00:00Z"`
}

// SlimSubject is the subject of a user collection.
type SlimSubject struct {
	ID              uint32        `json:"id" required:"true" example:"8"`
	Type            uint8         `json:"type" required:"true" example:"2"`
	Name            string        `json:"name" required:"true"`
	NameCN          string        `json:"name_cn" required:"true"`
	ShortSummary    string        `json:"short_summary" required:"true" description:"First 120 characters of the summary"`
	Date            *string       `json:"date" required:"true" format:"date" example:"2008-04-06"`
	Images          SubjectImages `json:"images" required:"true"`
	Volumes         uint32        `json:"volumes" required:"true" example:"0"`
	Eps             uint32        `json:"eps" required:"true" example:"25"`
	CollectionTotal uint32        `json:"collection_total" required:"true" description:"Users who collected it in any state" example:"14324"`
	Score           float64       `json:"score" required:"true" example:"8.2"`
	Rank            uint32        `json:"rank" required:"true" example:"121"`
	Tags            []Tag         `json:"tags" required:"true" description:"The first 10 tags"`
}

func slimSubject(s subject.Subject) SlimSubject {
	r := s.Rating()
	return SlimSubject{
		ID: s.ID, Type: s.Type, Name: s.Name, NameCN: s.NameCN,
		ShortSummary: subject.ShortSummary(s.Summary, 120), Date: date(s.Date),
		Images: subjectImages(s.Image), Volumes: s.Volumes, Eps: s.Eps,
		CollectionTotal: s.Collection.Total(), Score: r.Score, Rank: r.Rank,
		Tags: tags(s.Tags, 10),
	}
}

// UserSubjectCollection is a subject in a user's collection.
type UserSubjectCollection struct {
	SubjectID   uint32      `json:"subject_id" required:"true" example:"8"`
	SubjectType uint8       `json:"subject_type" required:"true" example:"2"`
	Rate        uint8       `json:"rate" required:"true" description:"The user's score, 0 when not rated" example:"8"`
	Type        uint8       `json:"type" required:"true" enum:"[1,2,3,4,5]" description:"1 wish, 2 done, 3 doing, 4 on hold, 5 dropped" example:"2"`
	Comment     *string     `json:"comment" required:"true" description:"null when empty" example:"test comment"`
	Tags        []string    `json:"tags" required:"true" example:"[\"SUNRISE\"]"`
	EpStatus    uint32      `json:"ep_status" required:"true" example:"23"`
	VolStatus   uint32      `json:"vol_status" required:"true" example:"0"`
	UpdatedAt   string      `json:"updated_at" required:"true" format:"date-time" example:"2021-12-15T11:56:11Z"`
	Private     bool        `json:"private" required:"true"`
	Subject     SlimSubject `json:"subject" required:"true"`
}

// MonoCollection is a character or person in a user's collection.
type MonoCollection struct {
	ID        uint32       `json:"id" required:"true" example:"3"`
	Type      uint8        `json:"type" required:"true" description:"Character or person type" example:"1"`
	Name      string       `json:"name" required:"true" example:"C.C."`
	Images    PersonImages `json:"images" required:"true"`
	CreatedAt string       `json:"created_at" required:"true" format:"date-time" description:"When the user collected it" example:"2011-01-31T17:52:58Z"`
}

// UserCharacterCollection is a character in a user's collection.
type UserCharacterCollection MonoCollection

// UserPersonCollection is a person in a user's collection.
type UserPersonCollection MonoCollection

// Paged is one page of a list.
type Paged[T any] struct {
	Data   []T   `json:"data" required:"true"`
	Total  int64 `json:"total" required:"true" description:"Size of the whole list" example:"26"`
	Limit  int   `json:"limit" required:"true" example:"30"`
	Offset int   `json:"offset" required:"true" example:"0"`
}

// SearchSubject is a subject found by a search: the SubjectV0 of the detail endpoint, where
// total_episodes is the eps field and meta_tags the subject's own meta tags field, plus its
// large cover.
type SearchSubject struct {
	Subject
	Image string `json:"image" required:"true" description:"Same as images.large, \"\" when none" example:"https://lain.bgm.tv/pic/cover/l/c9/f0/8_wK0z3.jpg"`
}
