package mysqldb

import (
	"cmp"
	"context"
	"database/sql"
	"slices"

	"github.com/doug-martin/goqu/v9"
	"github.com/doug-martin/goqu/v9/exp"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/ports"
)

var _ ports.LinkRepository = (*LinkRepository)(nil)

// LinkRepository reads the index tables that link subjects, characters and persons:
// chii_crt_subject_index (appearances, aliased a), chii_crt_cast_index (casts, k) and
// chii_person_cs_index (credits, c). A filter with no field set is ErrInvalid; a non-nil
// CharacterIDs is set, and when empty selects no row (no statement is run).
//
// The joined reads (SubjectStaff, SubjectCharacters, …) run the statement of the list they
// extend — same WHERE, same ORDER BY — with the linked tables joined to it: LEFT JOIN where a
// missing row is a zero value, JOIN where it is left out. Each linked table is joined on its
// primary key (at most one row per link row), so the joins add columns, not rows, except the
// casts of SubjectCharacters (one row per actor).
type LinkRepository struct{ q Querier }

// NewLinkRepository returns a link repository reading through q.
func NewLinkRepository(q Querier) *LinkRepository { return &LinkRepository{q: q} }

// Appearances lists chii_crt_subject_index rows ORDER BY crt_id, subject_id (the primary
// key): by subject that is character id, by character subject id.
func (r *LinkRepository) Appearances(ctx context.Context, f ports.AppearanceFilter) ([]character.Appearance, error) {
	ds, err := appearances(f)
	if err != nil || noCharacters(f.CharacterIDs) {
		return nil, err
	}
	return listRows(ctx, r.q, "list appearances", ds, func(rows *sql.Rows) (a character.Appearance, err error) {
		err = rows.Scan(appearanceDest(&a)...)
		return a, err
	})
}

// noCharacters reports whether a filter's CharacterIDs is an empty set: set (non-nil), so
// the filter is valid, and selecting nothing.
func noCharacters(ids []uint32) bool { return ids != nil && len(ids) == 0 }

func appearances(f ports.AppearanceFilter) (*goqu.SelectDataset, error) {
	where := whereSet(map[string]uint32{"a.subject_id": f.SubjectID, "a.crt_id": f.CharacterID}, "a.crt_id", f.CharacterIDs)
	if len(where) == 0 && f.CharacterIDs == nil {
		return nil, domain.Errorf(domain.ErrInvalid, "appearance filter without a subject or character")
	}
	return from(goqu.T("chii_crt_subject_index").As("a")).
		Select(appearanceColumns...).
		Where(where...).
		Order(goqu.I("a.crt_id").Asc(), goqu.I("a.subject_id").Asc()), nil
}

var appearanceColumns = []any{
	goqu.I("a.crt_id"), goqu.I("a.subject_id"), goqu.I("a.subject_type_id"), goqu.I("a.crt_type"), goqu.I("a.crt_order"),
}

func appearanceDest(a *character.Appearance) []any {
	return []any{&a.CharacterID, &a.SubjectID, &a.SubjectType, &a.Type, &a.Order}
}

// appearanceRow receives the appearanceColumns of an outer join: all NULL when it found none.
type appearanceRow struct {
	crt, subject   sql.Null[uint32]
	subjectType, t sql.Null[uint8]
	order          sql.Null[uint16]
}

func (r *appearanceRow) dest() []any {
	return []any{&r.crt, &r.subject, &r.subjectType, &r.t, &r.order}
}

func (r *appearanceRow) appearance() character.Appearance {
	if !r.crt.Valid {
		return character.Appearance{}
	}
	return character.Appearance{
		CharacterID: r.crt.V, SubjectID: r.subject.V, SubjectType: r.subjectType.V, Type: r.t.V, Order: r.order.V,
	}
}

// Casts lists chii_crt_cast_index rows. By person (PersonID set, no character filter):
// ORDER BY subject_id, crt_id; otherwise ORDER BY prsn_id, subject_id, crt_id. Both end with
// the primary key (crt_id, prsn_id, subject_id).
func (r *LinkRepository) Casts(ctx context.Context, f ports.CastFilter) ([]character.Cast, error) {
	ds, err := casts(f)
	if err != nil || noCharacters(f.CharacterIDs) {
		return nil, err
	}
	return listRows(ctx, r.q, "list casts", ds, func(rows *sql.Rows) (c character.Cast, err error) {
		err = rows.Scan(castDest(&c)...)
		return c, err
	})
}

func casts(f ports.CastFilter) (*goqu.SelectDataset, error) {
	where := whereSet(map[string]uint32{"k.subject_id": f.SubjectID, "k.crt_id": f.CharacterID, "k.prsn_id": f.PersonID},
		"k.crt_id", f.CharacterIDs)
	if len(where) == 0 && f.CharacterIDs == nil {
		return nil, domain.Errorf(domain.ErrInvalid, "cast filter without a subject, character or person")
	}
	order := []exp.OrderedExpression{goqu.I("k.prsn_id").Asc(), goqu.I("k.subject_id").Asc(), goqu.I("k.crt_id").Asc()}
	if castsByPerson(f) {
		order = []exp.OrderedExpression{goqu.I("k.subject_id").Asc(), goqu.I("k.crt_id").Asc(), goqu.I("k.prsn_id").Asc()}
	}
	return from(goqu.T("chii_crt_cast_index").As("k")).
		Select(goqu.I("k.crt_id"), goqu.I("k.prsn_id"), goqu.I("k.subject_id"), goqu.I("k.subject_type_id")).
		Where(where...).
		Order(order...), nil
}

func castDest(c *character.Cast) []any {
	return []any{&c.CharacterID, &c.PersonID, &c.SubjectID, &c.SubjectType}
}

// castsByPerson reports whether f lists a person's casts (ordered by subject).
func castsByPerson(f ports.CastFilter) bool {
	return f.PersonID != 0 && f.CharacterID == 0 && len(f.CharacterIDs) == 0
}

// Credits lists chii_person_cs_index rows (any prsn_type, as bangumi does).
//
// By person (PersonID set): ORDER BY subject_id, prsn_position DESC, prsn_type — the
// recorded server returned storage order, which for person 1 lists subject 993's position 34
// before 33; position descending reproduces it.
//
// By subject only: storage order, NO ORDER BY. The recorded server's order for a subject's
// staff (golden subj-persons-12) is the insertion order of the MyISAM table, which no column
// reproduces; this is the one deliberate exception to decision D6.
func (r *LinkRepository) Credits(ctx context.Context, f ports.CreditFilter) ([]person.Credit, error) {
	ds, err := credits(f)
	if err != nil {
		return nil, err
	}
	return listRows(ctx, r.q, "list credits", ds, func(rows *sql.Rows) (c person.Credit, err error) {
		err = rows.Scan(creditDest(&c)...)
		return c, err
	})
}

func credits(f ports.CreditFilter) (*goqu.SelectDataset, error) {
	where := whereSet(map[string]uint32{"c.subject_id": f.SubjectID, "c.prsn_id": f.PersonID}, "", nil)
	if len(where) == 0 {
		return nil, domain.Errorf(domain.ErrInvalid, "credit filter without a subject or person")
	}
	ds := from(goqu.T("chii_person_cs_index").As("c")).
		Select(goqu.I("c.prsn_id"), goqu.I("c.subject_id"), goqu.I("c.subject_type_id"), goqu.I("c.prsn_position"),
			goqu.I("c.prsn_appear_eps")).
		Where(where...)
	if f.PersonID != 0 {
		ds = ds.Order(goqu.I("c.subject_id").Asc(), goqu.I("c.prsn_position").Desc(), goqu.I("c.prsn_type").Asc())
	}
	return ds, nil
}

func creditDest(c *person.Credit) []any {
	return []any{&c.PersonID, &c.SubjectID, &c.SubjectType, &c.Position, &c.AppearEps}
}

// SubjectStaff reads Credits{SubjectID} ⟕ chii_persons p ⟕ chii_person_fields pf.
//
// The credits keep their storage order: the statement is Credits' (no ORDER BY) with the
// person joined to each credit. A LEFT JOIN keeps the credits table first — the optimizer may
// not reorder it, nor switch the credits to another access path, as their conditions are the
// same — and each person is one primary-key lookup (eq_ref) that MySQL and MariaDB run as a
// nested loop without a join buffer under their default settings (no batched key access), so
// the credits come out in the order the single-table statement reads them.
// TestJoinedReads_DevDataset compares the two on every subject of the dev dataset.
func (r *LinkRepository) SubjectStaff(ctx context.Context, subjectID uint32) ([]ports.StaffCredit, error) {
	ds, err := credits(ports.CreditFilter{SubjectID: subjectID})
	if err != nil {
		return nil, err
	}
	ds = personTable.leftJoin(ds, goqu.I("c.prsn_id")).SelectAppend(personColumns...)
	var (
		c person.Credit
		p personRow
	)
	return scanList(ctx, r.q, "subject staff", ds, append(creditDest(&c), p.dest()...),
		func() (ports.StaffCredit, error) { return ports.StaffCredit{Person: p.person(), Credit: c}, nil })
}

// SubjectCharacters reads Appearances{SubjectID} ⟕ chii_characters ch ⟕ chii_person_fields chf
// ⟕ chii_crt_cast_index k (same character and subject) ⟕ chii_persons p ⟕ chii_person_fields pf,
// ORDER BY Appearances' order: one row per actor (or one without an actor), the rows of one
// appearance together. The actors of an appearance are sorted here by the cast's person id
// (Casts' order, the character and subject being fixed), which spares MySQL a temporary table.
func (r *LinkRepository) SubjectCharacters(ctx context.Context, subjectID uint32) ([]ports.SubjectCharacter, error) {
	ds, err := appearances(ports.AppearanceFilter{SubjectID: subjectID})
	if err != nil {
		return nil, err
	}
	ds = characterTable.leftJoin(ds, goqu.I("a.crt_id"))
	ds = ds.LeftJoin(goqu.T("chii_crt_cast_index").As("k"), goqu.On(
		goqu.I("k.crt_id").Eq(goqu.I("a.crt_id")),
		goqu.I("k.subject_id").Eq(goqu.I("a.subject_id")),
	))
	ds = personTable.leftJoin(ds, goqu.I("k.prsn_id")).
		SelectAppend(characterColumns...).
		SelectAppend(goqu.I("k.prsn_id")).
		SelectAppend(personColumns...)

	type actor struct {
		castPerson uint32
		p          person.Person
	}
	var (
		out        = []ports.SubjectCharacter{}
		actors     [][]actor // actors[i] are those of out[i]
		a          character.Appearance
		c          characterRow
		castPerson sql.Null[uint32]
		p          personRow
	)
	dest := slices.Concat(appearanceDest(&a), c.dest(), []any{&castPerson}, p.dest())
	err = queryRows(ctx, r.q, "subject characters", ds, func(rows *sql.Rows) error {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if n := len(out); n == 0 || out[n-1].Appearance != a {
			out = append(out, ports.SubjectCharacter{Character: c.character(), Appearance: a})
			actors = append(actors, nil)
		}
		if castPerson.Valid {
			actors[len(actors)-1] = append(actors[len(actors)-1], actor{castPerson.V, p.person()})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, as := range actors {
		slices.SortFunc(as, func(x, y actor) int { return cmp.Compare(x.castPerson, y.castPerson) })
		out[i].Actors = make([]person.Person, len(as))
		for j, x := range as {
			out[i].Actors[j] = x.p
		}
	}
	return out, nil
}

// CharacterSubjects reads Appearances{CharacterID} ⋈ chii_subjects s ⟕ chii_subject_fields sf,
// in Appearances' order.
func (r *LinkRepository) CharacterSubjects(ctx context.Context, characterID uint32) ([]ports.CharacterSubject, error) {
	ds, err := appearances(ports.AppearanceFilter{CharacterID: characterID})
	if err != nil {
		return nil, err
	}
	ds = joinSubject(ds, goqu.I("a.subject_id"))
	var (
		a character.Appearance
		s subjectRow
	)
	return scanList(ctx, r.q, "character subjects", ds, append(appearanceDest(&a), s.dest()...),
		func() (cs ports.CharacterSubject, err error) {
			cs.Appearance = a
			cs.Subject, err = s.subject()
			return cs, err
		})
}

// PersonSubjects reads Credits{PersonID} ⋈ chii_subjects s ⟕ chii_subject_fields sf, in
// Credits' order by person.
func (r *LinkRepository) PersonSubjects(ctx context.Context, personID uint32) ([]ports.PersonSubject, error) {
	ds, err := credits(ports.CreditFilter{PersonID: personID})
	if err != nil {
		return nil, err
	}
	ds = joinSubject(ds, goqu.I("c.subject_id"))
	var (
		c person.Credit
		s subjectRow
	)
	return scanList(ctx, r.q, "person subjects", ds, append(creditDest(&c), s.dest()...),
		func() (ps ports.PersonSubject, err error) {
			ps.Credit = c
			ps.Subject, err = s.subject()
			return ps, err
		})
}

// joinSubject joins the subject s (and its fields row sf) whose id is subjectID and selects its
// columns: an inner join, the link rows of a missing subject are left out.
func joinSubject(ds *goqu.SelectDataset, subjectID exp.IdentifierExpression) *goqu.SelectDataset {
	ds = ds.Join(goqu.T("chii_subjects").As("s"), goqu.On(goqu.I("s.subject_id").Eq(subjectID)))
	return withSubjectFields(ds).SelectAppend(subjectColumns...)
}

// CharacterCasts reads Casts{CharacterID} ⟕ chii_persons p ⟕ chii_person_fields pf
// ⟕ chii_subjects s ⟕ chii_subject_fields sf ⟕ chii_crt_subject_index a (the character's
// appearance in s), in Casts' order. The character is not read.
func (r *LinkRepository) CharacterCasts(ctx context.Context, characterID uint32) ([]ports.CastEntry, error) {
	ds, err := casts(ports.CastFilter{CharacterID: characterID})
	if err != nil {
		return nil, err
	}
	ds = personTable.leftJoin(ds, goqu.I("k.prsn_id")).SelectAppend(personColumns...)
	var (
		c  character.Cast
		p  personRow
		sa castSubjectRow
	)
	return scanList(ctx, r.q, "character casts", withCastSubject(ds), slices.Concat(castDest(&c), p.dest(), sa.dest()),
		func() (ports.CastEntry, error) {
			e := ports.CastEntry{Cast: c, Person: p.person()}
			return e, sa.into(&e)
		})
}

// PersonCasts reads Casts{PersonID} ⟕ chii_characters ch ⟕ chii_person_fields chf
// ⟕ chii_subjects s ⟕ chii_subject_fields sf ⟕ chii_crt_subject_index a (the character's
// appearance in s), in Casts' order by person. The person is not read.
func (r *LinkRepository) PersonCasts(ctx context.Context, personID uint32) ([]ports.CastEntry, error) {
	ds, err := casts(ports.CastFilter{PersonID: personID})
	if err != nil {
		return nil, err
	}
	ds = characterTable.leftJoin(ds, goqu.I("k.crt_id")).SelectAppend(characterColumns...)
	var (
		c  character.Cast
		ch characterRow
		sa castSubjectRow
	)
	return scanList(ctx, r.q, "person casts", withCastSubject(ds), slices.Concat(castDest(&c), ch.dest(), sa.dest()),
		func() (ports.CastEntry, error) {
			e := ports.CastEntry{Cast: c, Character: ch.character()}
			return e, sa.into(&e)
		})
}

// withCastSubject left-joins the subject of each cast (s, its fields row sf) and the cast
// character's appearance in that subject (a), and selects their columns last. The appearance
// is joined through the subject row, so a cast whose subject is missing has none.
func withCastSubject(ds *goqu.SelectDataset) *goqu.SelectDataset {
	ds = ds.LeftJoin(goqu.T("chii_subjects").As("s"), goqu.On(goqu.I("s.subject_id").Eq(goqu.I("k.subject_id"))))
	return withSubjectFields(ds).
		LeftJoin(goqu.T("chii_crt_subject_index").As("a"), goqu.On(
			goqu.I("a.crt_id").Eq(goqu.I("k.crt_id")),
			goqu.I("a.subject_id").Eq(goqu.I("s.subject_id")),
		)).
		SelectAppend(subjectColumns...).
		SelectAppend(appearanceColumns...)
}

// castSubjectRow receives the columns withCastSubject selects.
type castSubjectRow struct {
	s subjectRow
	a appearanceRow
}

func (r *castSubjectRow) dest() []any { return append(r.s.dest(), r.a.dest()...) }

func (r *castSubjectRow) into(e *ports.CastEntry) (err error) {
	e.Subject, err = r.s.subject()
	e.Appearance = r.a.appearance()
	return err
}
