package mysqldb

import (
	"context"
	"database/sql"
	"slices"

	"github.com/doug-martin/goqu/v9"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/ports"
)

var (
	_ ports.CharacterRepository = (*CharacterRepository)(nil)
	_ ports.PersonRepository    = (*PersonRepository)(nil)
)

// CharacterRepository reads chii_characters ⟕ chii_person_fields (prsn_cat = 'crt', prsn_id = crt_id).
type CharacterRepository struct{ q Querier }

// NewCharacterRepository returns a character repository reading through q.
func NewCharacterRepository(q Querier) *CharacterRepository { return &CharacterRepository{q: q} }

// PersonRepository reads chii_persons ⟕ chii_person_fields (prsn_cat = 'prsn', prsn_id = prsn_id).
type PersonRepository struct{ q Querier }

// NewPersonRepository returns a person repository reading through q.
func NewPersonRepository(q Querier) *PersonRepository { return &PersonRepository{q: q} }

// monoFieldColumns are the chii_person_fields columns, aliased f (NULL when the row is missing).
var monoFieldColumns = []any{
	goqu.I("f.gender"), goqu.I("f.bloodtype"), goqu.I("f.birth_year"), goqu.I("f.birth_mon"), goqu.I("f.birth_day"),
}

// monoFields holds the nullable chii_person_fields columns of a scan.
type monoFields struct {
	gender, blood, mon, day sql.Null[uint8]
	year                    sql.Null[uint16]
}

func (f *monoFields) dest() []any { return []any{&f.gender, &f.blood, &f.year, &f.mon, &f.day} }

func (f *monoFields) fields() mono.Fields {
	return mono.Fields{Gender: f.gender.V, BloodType: f.blood.V, BirthYear: f.year.V, BirthMon: f.mon.V, BirthDay: f.day.V}
}

// withFields joins the fields row of category cat to the table aliased m whose id column is idCol.
func withFields(table, idCol string, cat mono.Category, columns []any) *goqu.SelectDataset {
	return from(goqu.T(table).As("m")).
		LeftJoin(goqu.T("chii_person_fields").As("f"), goqu.On(
			goqu.I("f.prsn_cat").Eq(cat.String()),
			goqu.I("f.prsn_id").Eq(goqu.I("m."+idCol)),
		)).
		Select(slices.Concat(columns, monoFieldColumns)...)
}

var characterColumns = []any{
	goqu.I("m.crt_id"), goqu.I("m.crt_name"), goqu.I("m.crt_role"), goqu.I("m.crt_summary"), goqu.I("m.crt_infobox"),
	goqu.I("m.crt_img"), goqu.I("m.crt_comment"), goqu.I("m.crt_collects"), goqu.I("m.crt_ban"),
	goqu.I("m.crt_redirect"), goqu.I("m.crt_nsfw"),
}

func characters() *goqu.SelectDataset {
	return withFields("chii_characters", "crt_id", mono.Character, characterColumns)
}

func scanCharacter(rows *sql.Rows) (character.Character, error) {
	var (
		c             character.Character
		name, infobox string
		nsfw          int
		f             monoFields
	)
	dest := append([]any{
		&c.ID, &name, &c.Role, &c.Summary, &infobox, &c.Image, &c.Comments, &c.Collects, &c.Ban, &c.Redirect, &nsfw,
	}, f.dest()...)
	if err := rows.Scan(dest...); err != nil {
		return c, err
	}
	c.Name, c.Infobox, c.NSFW, c.Fields = unescape(name), unescape(infobox), nsfw != 0, f.fields()
	return c, nil
}

// Get loads a character whatever its NSFW, ban or redirect state.
func (r *CharacterRepository) Get(ctx context.Context, id uint32) (character.Character, error) {
	var (
		out   character.Character
		found bool
	)
	err := queryRows(ctx, r.q, "get character", characters().Where(goqu.I("m.crt_id").Eq(id)).Limit(1),
		func(rows *sql.Rows) (err error) {
			out, err = scanCharacter(rows)
			found = true
			return err
		})
	if err != nil {
		return character.Character{}, err
	}
	if !found {
		return character.Character{}, domain.Errorf(domain.ErrNotFound, "character %d not found", id)
	}
	return out, nil
}

// GetByIDs loads the characters of ids that exist, with one statement (none for no ids).
func (r *CharacterRepository) GetByIDs(ctx context.Context, ids []uint32) (map[uint32]character.Character, error) {
	out := make(map[uint32]character.Character, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	err := queryRows(ctx, r.q, "get characters", characters().Where(goqu.I("m.crt_id").In(uint32s(ids)...)),
		func(rows *sql.Rows) error {
			c, err := scanCharacter(rows)
			out[c.ID] = c
			return err
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

var personColumns = []any{
	goqu.I("m.prsn_id"), goqu.I("m.prsn_name"), goqu.I("m.prsn_type"),
	goqu.I("m.prsn_writer"), goqu.I("m.prsn_producer"), goqu.I("m.prsn_mangaka"), goqu.I("m.prsn_artist"),
	goqu.I("m.prsn_seiyu"), goqu.I("m.prsn_illustrator"), goqu.I("m.prsn_actor"),
	goqu.I("m.prsn_summary"), goqu.I("m.prsn_infobox"), goqu.I("m.prsn_img"), goqu.I("m.prsn_comment"),
	goqu.I("m.prsn_collects"), goqu.I("m.prsn_ban"), goqu.I("m.prsn_redirect"), goqu.I("m.prsn_nsfw"),
}

func persons() *goqu.SelectDataset {
	return withFields("chii_persons", "prsn_id", mono.Person, personColumns)
}

func scanPerson(rows *sql.Rows) (person.Person, error) {
	var (
		p                                                            person.Person
		name, infobox                                                string
		writer, producer, mangaka, artist, seiyu, illustrator, actor int
		nsfw                                                         int
		f                                                            monoFields
	)
	dest := append([]any{
		&p.ID, &name, &p.Type, &writer, &producer, &mangaka, &artist, &seiyu, &illustrator, &actor,
		&p.Summary, &infobox, &p.Image, &p.Comments, &p.Collects, &p.Ban, &p.Redirect, &nsfw,
	}, f.dest()...)
	if err := rows.Scan(dest...); err != nil {
		return p, err
	}
	p.Name, p.Infobox, p.NSFW, p.Fields = unescape(name), unescape(infobox), nsfw != 0, f.fields()
	p.Career = person.Career{
		Writer: writer != 0, Producer: producer != 0, Mangaka: mangaka != 0, Artist: artist != 0,
		Seiyu: seiyu != 0, Illustrator: illustrator != 0, Actor: actor != 0,
	}
	return p, nil
}

// Get loads a person whatever its NSFW, ban or redirect state.
func (r *PersonRepository) Get(ctx context.Context, id uint32) (person.Person, error) {
	var (
		out   person.Person
		found bool
	)
	err := queryRows(ctx, r.q, "get person", persons().Where(goqu.I("m.prsn_id").Eq(id)).Limit(1),
		func(rows *sql.Rows) (err error) {
			out, err = scanPerson(rows)
			found = true
			return err
		})
	if err != nil {
		return person.Person{}, err
	}
	if !found {
		return person.Person{}, domain.Errorf(domain.ErrNotFound, "person %d not found", id)
	}
	return out, nil
}

// GetByIDs loads the persons of ids that exist, with one statement (none for no ids).
func (r *PersonRepository) GetByIDs(ctx context.Context, ids []uint32) (map[uint32]person.Person, error) {
	out := make(map[uint32]person.Person, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	err := queryRows(ctx, r.q, "get persons", persons().Where(goqu.I("m.prsn_id").In(uint32s(ids)...)),
		func(rows *sql.Rows) error {
			p, err := scanPerson(rows)
			out[p.ID] = p
			return err
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}
