package mysqldb

import (
	"context"
	"database/sql"

	"github.com/doug-martin/goqu/v9"
	"github.com/doug-martin/goqu/v9/exp"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/ports"
)

var _ ports.LinkRepository = (*LinkRepository)(nil)

// LinkRepository reads the index tables that link subjects, characters and persons:
// chii_crt_subject_index (appearances), chii_crt_cast_index (casts) and
// chii_person_cs_index (credits). A filter with no field set is ErrInvalid; an empty
// CharacterIDs counts as not set.
type LinkRepository struct{ q Querier }

// NewLinkRepository returns a link repository reading through q.
func NewLinkRepository(q Querier) *LinkRepository { return &LinkRepository{q: q} }

// Appearances lists chii_crt_subject_index rows ORDER BY crt_id, subject_id (the primary
// key): by subject that is character id, by character subject id.
func (r *LinkRepository) Appearances(ctx context.Context, f ports.AppearanceFilter) ([]character.Appearance, error) {
	where := whereSet(map[string]uint32{"subject_id": f.SubjectID, "crt_id": f.CharacterID}, "crt_id", f.CharacterIDs)
	if len(where) == 0 {
		return nil, domain.Errorf(domain.ErrInvalid, "appearance filter without a subject or character")
	}
	ds := from("chii_crt_subject_index").
		Select("crt_id", "subject_id", "subject_type_id", "crt_type", "crt_order").
		Where(where...).
		Order(goqu.C("crt_id").Asc(), goqu.C("subject_id").Asc())
	return listRows(ctx, r.q, "list appearances", ds, func(rows *sql.Rows) (a character.Appearance, err error) {
		err = rows.Scan(&a.CharacterID, &a.SubjectID, &a.SubjectType, &a.Type, &a.Order)
		return a, err
	})
}

// Casts lists chii_crt_cast_index rows. By person (PersonID set, no character filter):
// ORDER BY subject_id, crt_id; otherwise ORDER BY prsn_id, subject_id, crt_id. Both end with
// the primary key (crt_id, prsn_id, subject_id).
func (r *LinkRepository) Casts(ctx context.Context, f ports.CastFilter) ([]character.Cast, error) {
	where := whereSet(map[string]uint32{"subject_id": f.SubjectID, "crt_id": f.CharacterID, "prsn_id": f.PersonID},
		"crt_id", f.CharacterIDs)
	if len(where) == 0 {
		return nil, domain.Errorf(domain.ErrInvalid, "cast filter without a subject, character or person")
	}
	order := []exp.OrderedExpression{goqu.C("prsn_id").Asc(), goqu.C("subject_id").Asc(), goqu.C("crt_id").Asc()}
	if castsByPerson(f) {
		order = []exp.OrderedExpression{goqu.C("subject_id").Asc(), goqu.C("crt_id").Asc(), goqu.C("prsn_id").Asc()}
	}
	ds := from("chii_crt_cast_index").
		Select("crt_id", "prsn_id", "subject_id", "subject_type_id").
		Where(where...).
		Order(order...)
	return listRows(ctx, r.q, "list casts", ds, func(rows *sql.Rows) (c character.Cast, err error) {
		err = rows.Scan(&c.CharacterID, &c.PersonID, &c.SubjectID, &c.SubjectType)
		return c, err
	})
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
	where := whereSet(map[string]uint32{"subject_id": f.SubjectID, "prsn_id": f.PersonID}, "", nil)
	if len(where) == 0 {
		return nil, domain.Errorf(domain.ErrInvalid, "credit filter without a subject or person")
	}
	ds := from("chii_person_cs_index").
		Select("prsn_id", "subject_id", "subject_type_id", "prsn_position", "prsn_appear_eps").
		Where(where...)
	if f.PersonID != 0 {
		ds = ds.Order(goqu.C("subject_id").Asc(), goqu.C("prsn_position").Desc(), goqu.C("prsn_type").Asc())
	}
	return listRows(ctx, r.q, "list credits", ds, func(rows *sql.Rows) (c person.Credit, err error) {
		err = rows.Scan(&c.PersonID, &c.SubjectID, &c.SubjectType, &c.Position, &c.AppearEps)
		return c, err
	})
}
