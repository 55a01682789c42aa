package mysqldb

import (
	"context"
	"database/sql"

	"github.com/doug-martin/goqu/v9"
	"github.com/doug-martin/goqu/v9/exp"

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

// monoFieldColumns lists the chii_person_fields columns of alias f (NULL when the row is missing).
func monoFieldColumns(f string) []any {
	return []any{
		goqu.I(f + ".gender"), goqu.I(f + ".bloodtype"), goqu.I(f + ".birth_year"), goqu.I(f + ".birth_mon"),
		goqu.I(f + ".birth_day"),
	}
}

// monoFields receives the monoFieldColumns of a scan; NULL reads as zero.
type monoFields struct {
	gender, blood, mon, day sql.Null[uint8]
	year                    sql.Null[uint16]
}

func (f *monoFields) dest() []any { return []any{&f.gender, &f.blood, &f.year, &f.mon, &f.day} }

func (f *monoFields) fields() mono.Fields {
	return mono.Fields{Gender: f.gender.V, BloodType: f.blood.V, BirthYear: f.year.V, BirthMon: f.mon.V, BirthDay: f.day.V}
}

// monoTable names a character or person table, its id column, its chii_person_fields
// category, and the aliases of both in every statement.
type monoTable struct {
	table, idCol string
	cat          mono.Category
	m, f         string
}

var (
	characterTable = monoTable{"chii_characters", "crt_id", mono.Character, "ch", "chf"}
	personTable    = monoTable{"chii_persons", "prsn_id", mono.Person, "p", "pf"}
)

// from selects from t (aliased t.m) ⟕ its fields row (t.f).
func (t monoTable) from() *goqu.SelectDataset { return t.withFields(from(goqu.T(t.table).As(t.m))) }

// withFields left-joins the fields row of t's row.
func (t monoTable) withFields(ds *goqu.SelectDataset) *goqu.SelectDataset {
	return ds.LeftJoin(goqu.T("chii_person_fields").As(t.f), goqu.On(
		goqu.I(t.f+".prsn_cat").Eq(t.cat.String()),
		goqu.I(t.f+".prsn_id").Eq(goqu.I(t.m+"."+t.idCol)),
	))
}

// leftJoin left-joins t's row whose id is id, and its fields row.
func (t monoTable) leftJoin(ds *goqu.SelectDataset, id exp.IdentifierExpression) *goqu.SelectDataset {
	return t.withFields(ds.LeftJoin(goqu.T(t.table).As(t.m), goqu.On(goqu.I(t.m+"."+t.idCol).Eq(id))))
}

// columns lists the given columns of t's row, then the monoFieldColumns of its fields row.
func (t monoTable) columns(cols ...string) []any {
	out := make([]any, 0, len(cols)+5)
	for _, c := range cols {
		out = append(out, goqu.I(t.m+"."+c))
	}
	return append(out, monoFieldColumns(t.f)...)
}

// characterColumns lists the columns characterRow reads.
var characterColumns = characterTable.columns("crt_id", "crt_name", "crt_role", "crt_summary", "crt_infobox",
	"crt_img", "crt_comment", "crt_collects", "crt_ban", "crt_redirect", "crt_nsfw")

func characters() *goqu.SelectDataset { return characterTable.from().Select(characterColumns...) }

// characterRow receives the characterColumns of one row; every column may be NULL (an outer
// join that found no character) and reads as zero then.
type characterRow struct {
	id, comments, collects, redirect sql.Null[uint32]
	role, ban                        sql.Null[uint8]
	name, summary, infobox, image    sql.Null[string]
	nsfw                             sql.Null[int]
	f                                monoFields
}

func (r *characterRow) dest() []any {
	return append([]any{
		&r.id, &r.name, &r.role, &r.summary, &r.infobox, &r.image, &r.comments, &r.collects, &r.ban, &r.redirect, &r.nsfw,
	}, r.f.dest()...)
}

// character returns the scanned character, zero when its columns were NULL.
func (r *characterRow) character() character.Character {
	if !r.id.Valid {
		return character.Character{}
	}
	return character.Character{
		ID: r.id.V, Name: unescape(r.name.V), Role: r.role.V, Summary: r.summary.V, Infobox: unescape(r.infobox.V),
		Image: r.image.V, Comments: r.comments.V, Collects: r.collects.V, Ban: r.ban.V, Redirect: r.redirect.V,
		NSFW: r.nsfw.V != 0, Fields: r.f.fields(),
	}
}

// characterScanner returns a function that scans a row of characters(); its receivers serve every
// row of the statement.
func characterScanner() func(*sql.Rows) (character.Character, error) {
	var r characterRow
	dest := r.dest()
	return func(rows *sql.Rows) (character.Character, error) {
		err := rows.Scan(dest...)
		return r.character(), err
	}
}

// Get loads a character whatever its NSFW, ban or redirect state.
func (r *CharacterRepository) Get(ctx context.Context, id uint32) (character.Character, error) {
	var (
		out   character.Character
		found bool
	)
	scan := characterScanner()
	err := queryRows(ctx, r.q, "get character", characters().Where(goqu.I("ch.crt_id").Eq(id)).Limit(1),
		func(rows *sql.Rows) (err error) {
			out, err = scan(rows)
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
	scan := characterScanner()
	err := queryRows(ctx, r.q, "get characters", characters().Where(goqu.I("ch.crt_id").In(uint32s(ids)...)),
		func(rows *sql.Rows) error {
			c, err := scan(rows)
			out[c.ID] = c
			return err
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// personColumns lists the columns personRow reads.
var personColumns = personTable.columns("prsn_id", "prsn_name", "prsn_type",
	"prsn_writer", "prsn_producer", "prsn_mangaka", "prsn_artist", "prsn_seiyu", "prsn_illustrator", "prsn_actor",
	"prsn_summary", "prsn_infobox", "prsn_img", "prsn_comment", "prsn_collects", "prsn_ban", "prsn_redirect",
	"prsn_nsfw")

func persons() *goqu.SelectDataset { return personTable.from().Select(personColumns...) }

// personRow receives the personColumns of one row; every column may be NULL (an outer join
// that found no person) and reads as zero then.
type personRow struct {
	id, comments, collects, redirect                             sql.Null[uint32]
	typ, ban                                                     sql.Null[uint8]
	name, summary, infobox, image                                sql.Null[string]
	writer, producer, mangaka, artist, seiyu, illustrator, actor sql.Null[int]
	nsfw                                                         sql.Null[int]
	f                                                            monoFields
}

func (r *personRow) dest() []any {
	return append([]any{
		&r.id, &r.name, &r.typ, &r.writer, &r.producer, &r.mangaka, &r.artist, &r.seiyu, &r.illustrator, &r.actor,
		&r.summary, &r.infobox, &r.image, &r.comments, &r.collects, &r.ban, &r.redirect, &r.nsfw,
	}, r.f.dest()...)
}

// person returns the scanned person, zero when its columns were NULL.
func (r *personRow) person() person.Person {
	if !r.id.Valid {
		return person.Person{}
	}
	return person.Person{
		ID: r.id.V, Name: unescape(r.name.V), Type: r.typ.V,
		Career: person.Career{
			Writer: r.writer.V != 0, Producer: r.producer.V != 0, Mangaka: r.mangaka.V != 0, Artist: r.artist.V != 0,
			Seiyu: r.seiyu.V != 0, Illustrator: r.illustrator.V != 0, Actor: r.actor.V != 0,
		},
		Summary: r.summary.V, Infobox: unescape(r.infobox.V), Image: r.image.V, Comments: r.comments.V,
		Collects: r.collects.V, Ban: r.ban.V, Redirect: r.redirect.V, NSFW: r.nsfw.V != 0, Fields: r.f.fields(),
	}
}

// personScanner returns a function that scans a row of persons(); its receivers serve every
// row of the statement.
func personScanner() func(*sql.Rows) (person.Person, error) {
	var r personRow
	dest := r.dest()
	return func(rows *sql.Rows) (person.Person, error) {
		err := rows.Scan(dest...)
		return r.person(), err
	}
}

// Get loads a person whatever its NSFW, ban or redirect state.
func (r *PersonRepository) Get(ctx context.Context, id uint32) (person.Person, error) {
	var (
		out   person.Person
		found bool
	)
	scan := personScanner()
	err := queryRows(ctx, r.q, "get person", persons().Where(goqu.I("p.prsn_id").Eq(id)).Limit(1),
		func(rows *sql.Rows) (err error) {
			out, err = scan(rows)
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
	scan := personScanner()
	err := queryRows(ctx, r.q, "get persons", persons().Where(goqu.I("p.prsn_id").In(uint32s(ids)...)),
		func(rows *sql.Rows) error {
			p, err := scan(rows)
			out[p.ID] = p
			return err
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}
