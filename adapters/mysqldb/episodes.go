package mysqldb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/doug-martin/goqu/v9"
	"github.com/doug-martin/goqu/v9/exp"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/episode"
	"github.com/bangumi/chii/ports"
)

var _ ports.EpisodeRepository = (*EpisodeRepository)(nil)

// EpisodeRepository reads chii_episodes and chii_ep_status. Names, durations, air dates and
// descriptions are returned as stored (§2.1: the API does not unescape them).
type EpisodeRepository struct{ q Querier }

// NewEpisodeRepository returns an episode repository reading through q.
func NewEpisodeRepository(q Querier) *EpisodeRepository { return &EpisodeRepository{q: q} }

// firstMainSort is the scalar subquery of the sort of the first main episode (smallest disc,
// then sort, not banned) of the subject subjectID names (a value or a column), 0 when none.
func firstMainSort(subjectID any) exp.Expression {
	first := from(goqu.T("chii_episodes").As("f")).Select(goqu.I("f.ep_sort")).
		Where(goqu.I("f.ep_subject_id").Eq(subjectID), goqu.I("f.ep_type").Eq(episode.TypeMain), goqu.I("f.ep_ban").Eq(0)).
		Order(goqu.I("f.ep_disc").Asc(), goqu.I("f.ep_sort").Asc()).Limit(1)
	return goqu.COALESCE(first, 0)
}

// episodeRow scans the columns of episodeColumns.
type episodeRow struct {
	e      episode.Episode
	banned uint8
	first  float32
}

func episodeColumns(first exp.Expression) []any {
	return []any{
		goqu.I("e.ep_id"), goqu.I("e.ep_subject_id"), goqu.I("e.ep_sort"), goqu.I("e.ep_type"), goqu.I("e.ep_disc"),
		goqu.I("e.ep_name"), goqu.I("e.ep_name_cn"), goqu.I("e.ep_duration"), goqu.I("e.ep_airdate"),
		goqu.I("e.ep_desc"), goqu.I("e.ep_comment"), goqu.I("e.ep_ban"), first,
	}
}

func (r *episodeRow) dest() []any {
	e := &r.e
	return []any{&e.ID, &e.SubjectID, &e.Sort, &e.Type, &e.Disc, &e.Name, &e.NameCN, &e.Duration, &e.Airdate,
		&e.Desc, &e.Comment, &r.banned, &r.first}
}

// selected is the condition of the episodes f selects.
func selected(f ports.EpisodeFilter) []exp.Expression {
	where := []exp.Expression{goqu.I("e.ep_subject_id").Eq(f.SubjectID), goqu.I("e.ep_ban").Eq(0)}
	if f.ByType {
		where = append(where, goqu.I("e.ep_type").Eq(f.Type))
	}
	return where
}

// Get loads the episode with its subject's first main sort (a correlated subquery) in one
// statement.
func (r *EpisodeRepository) Get(ctx context.Context, id uint32) (episode.Episode, float32, error) {
	ds := from(goqu.T("chii_episodes").As("e")).
		Select(episodeColumns(firstMainSort(goqu.I("e.ep_subject_id")))...).
		Where(goqu.I("e.ep_id").Eq(id), goqu.I("e.ep_ban").Eq(0)).Limit(1)
	var (
		row   episodeRow
		found bool
	)
	err := queryRows(ctx, r.q, "get episode", ds, func(rows *sql.Rows) error {
		found = true
		return rows.Scan(row.dest()...)
	})
	if err != nil {
		return episode.Episode{}, 0, err
	}
	if !found {
		return episode.Episode{}, 0, domain.Errorf(domain.ErrNotFound, "episode %d not found", id)
	}
	row.e.Banned = row.banned != 0
	return row.e, row.first, nil
}

// Count counts the selected episodes (the ep_subject_id_2 index: subject, ban, sort).
func (r *EpisodeRepository) Count(ctx context.Context, f ports.EpisodeFilter) (int64, error) {
	var n int64
	ds := from(goqu.T("chii_episodes").As("e")).Select(goqu.COUNT(goqu.Star())).Where(selected(f)...)
	err := queryRows(ctx, r.q, "count episodes", ds, func(rows *sql.Rows) error { return rows.Scan(&n) })
	return n, err
}

// List pages the selected episodes ORDER BY ep_disc, ep_type, ep_sort, ep_id, each row with
// the subject's first main sort (an uncorrelated subquery: evaluated once).
func (r *EpisodeRepository) List(ctx context.Context, f ports.EpisodeFilter, limit, offset int) ([]episode.Episode, float32, error) {
	ds := from(goqu.T("chii_episodes").As("e")).
		Select(episodeColumns(firstMainSort(f.SubjectID))...).
		Where(selected(f)...).
		Order(goqu.I("e.ep_disc").Asc(), goqu.I("e.ep_type").Asc(), goqu.I("e.ep_sort").Asc(), goqu.I("e.ep_id").Asc())
	var (
		row   episodeRow
		first float32
	)
	eps, err := scanList(ctx, r.q, "list episodes", page(ds, limit, offset), row.dest(), func() (episode.Episode, error) {
		first = row.first
		e := row.e
		e.Banned = row.banned != 0
		return e, nil
	})
	return eps, first, err
}

// Progress reads the user's chii_ep_status row for the subject (unique key ep_stt_uniq).
func (r *EpisodeRepository) Progress(ctx context.Context, userID, subjectID uint32) (episode.Progress, error) {
	p, _, err := readProgress(ctx, r.q, userID, subjectID)
	return p, err
}

// readProgress reads and decodes the user's chii_ep_status row for the subject; found is false
// (and the marks empty) when there is none.
func readProgress(ctx context.Context, q Querier, userID, subjectID uint32) (p episode.Progress, found bool, err error) {
	ds := from("chii_ep_status").Select(goqu.C("ep_stt_status")).
		Where(goqu.C("ep_stt_uid").Eq(userID), goqu.C("ep_stt_sid").Eq(subjectID)).Limit(1)
	var stored []byte
	err = queryRows(ctx, q, "get episode progress", ds, func(rows *sql.Rows) error {
		found = true
		return rows.Scan(&stored)
	})
	if err != nil || !found {
		return episode.Progress{}, false, err
	}
	if p, err = episode.DecodeProgress(stored); err != nil {
		return nil, true, fmt.Errorf("mysqldb: episode progress of user %d, subject %d: %w", userID, subjectID, err)
	}
	return p, true, nil
}
