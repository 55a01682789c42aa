package main

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The crawl database is the dev dataset plus K copies of its subjects,
// characters and persons (and their field and link rows). Copy k (1..K) of
// the entity with dense index i (0..n-1 in id order among the n original
// rows) gets the id crawlBase + (k-1)*n + i: ids are dense from crawlBase on
// and every original id is below it.
const (
	crawlBase        = 1_000_000
	maxMediumint     = 16_777_215
	maxCrawlSubjects = 10_000_000 // the exact bound depends on the dataset; generate checks it
	genTimeout       = 15 * time.Minute
	batchRows        = 20_000 // rows per INSERT ... SELECT
	genWorkers       = 2      // connections copying tables at the same time
	crawlProcedure   = "crawl/1"
)

// entity is a table whose rows get new ids in the copies.
type entity struct {
	name, table, idCol string
}

var entities = []entity{
	{"subject", "chii_subjects", "subject_id"},
	{"character", "chii_characters", "crt_id"},
	{"person", "chii_persons", "prsn_id"},
}

// copySpec copies the rows of table (matching where) K times. mapped names
// the columns that hold an entity id. With link=false every mapped id must be
// an original entity row (an entity table, its fields); with link=true a
// mapped id that is not (a dangling reference of the dataset) is kept as it
// is, and a row is copied when at least one of its ids maps.
type copySpec struct {
	table  string
	where  string
	mapped []mappedCol
	link   bool
}

type mappedCol struct{ col, entity string }

var copySpecs = []copySpec{
	{table: "chii_subjects", mapped: []mappedCol{{"subject_id", "subject"}}},
	{table: "chii_subject_fields", mapped: []mappedCol{{"field_sid", "subject"}}},
	{table: "chii_characters", mapped: []mappedCol{{"crt_id", "character"}}},
	{table: "chii_persons", mapped: []mappedCol{{"prsn_id", "person"}}},
	{table: "chii_person_fields", where: "s.prsn_cat = 'crt'", mapped: []mappedCol{{"prsn_id", "character"}}},
	{table: "chii_person_fields", where: "s.prsn_cat = 'prsn'", mapped: []mappedCol{{"prsn_id", "person"}}},
	{table: "chii_crt_subject_index", link: true, mapped: []mappedCol{{"crt_id", "character"}, {"subject_id", "subject"}}},
	{table: "chii_person_cs_index", link: true, where: "s.prsn_type = 'prsn'", mapped: []mappedCol{{"prsn_id", "person"}, {"subject_id", "subject"}}},
	{table: "chii_person_cs_index", link: true, where: "s.prsn_type = 'crt'", mapped: []mappedCol{{"prsn_id", "character"}, {"subject_id", "subject"}}},
	{table: "chii_crt_cast_index", link: true, mapped: []mappedCol{{"crt_id", "character"}, {"prsn_id", "person"}, {"subject_id", "subject"}}},
}

// copySQL is the INSERT ... SELECT of spec for the copies BETWEEN ? AND ?,
// given the table's columns and the number of original rows of each entity.
func copySQL(spec copySpec, cols []string, n map[string]int) string {
	byCol := map[string]mappedCol{}
	for _, m := range spec.mapped {
		byCol[m.col] = m
	}
	var sel, names []string
	for _, c := range cols {
		names = append(names, "`"+c+"`")
		m, ok := byCol[c]
		if !ok {
			sel = append(sel, "s.`"+c+"`")
			continue
		}
		id := fmt.Sprintf("%d + (c.k - 1) * %d + m_%s.idx", crawlBase, n[m.entity], c)
		if spec.link {
			id = "COALESCE(" + id + ", s.`" + c + "`)"
		}
		sel = append(sel, id)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO `%s` (%s) SELECT %s FROM `crawl_src_%s` s JOIN crawl_copies c ON c.k BETWEEN ? AND ?",
		spec.table, strings.Join(names, ", "), strings.Join(sel, ", "), spec.table)
	join := "JOIN"
	if spec.link {
		join = "LEFT JOIN"
	}
	var anyMapped []string
	for _, m := range spec.mapped {
		fmt.Fprintf(&b, " %s crawl_map_%s m_%s ON m_%s.old_id = s.`%s`", join, m.entity, m.col, m.col, m.col)
		anyMapped = append(anyMapped, "m_"+m.col+".old_id IS NOT NULL")
	}
	var where []string
	if spec.where != "" {
		where = append(where, spec.where)
	}
	if spec.link {
		where = append(where, "("+strings.Join(anyMapped, " OR ")+")")
	}
	if len(where) > 0 {
		b.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	return b.String()
}

// copiesFor returns K, the number of copies that brings n original subjects
// to at least target.
func copiesFor(target, n int) int {
	if n <= 0 || target <= n {
		return 0
	}
	return (target - n + n - 1) / n
}

// prepareCrawlDB makes database name hold the crawl dataset for at least
// target subjects, reusing it when its marker matches, and returns the id
// ranges of the copies.
func prepareCrawlDB(ctx context.Context, m *mysqlServer, name, shared, fixture string, target int, reload bool, out io.Writer) (crawlPlan, error) {
	fp, err := fingerprint(fmt.Sprintf("%s subjects>=%d base=%d", crawlProcedure, target, crawlBase), shared, fixture)
	if err != nil {
		return crawlPlan{}, err
	}
	state, have, err := m.inspect(ctx, name)
	if err != nil {
		return crawlPlan{}, fmt.Errorf("database %s: %w", name, err)
	}
	db, err := m.open(name)
	if err != nil {
		return crawlPlan{}, err
	}
	defer db.Close()
	if state == dbOurs && have == fp && !reload {
		plan, err := readPlan(ctx, db)
		if err != nil {
			return crawlPlan{}, err
		}
		fmt.Fprintf(out, "database %s: reusing the crawl dataset of an earlier run: %s (-reload to generate it again)\n", name, plan)
		return plan, nil
	}
	start := time.Now()
	if err := m.recreate(ctx, name); err != nil {
		return crawlPlan{}, err
	}
	if err := m.loadDevEnv(ctx, name, shared, fixture); err != nil {
		return crawlPlan{}, err
	}
	fmt.Fprintf(out, "database %s: dev dataset loaded in %s, generating copies for %d subjects\n", name, time.Since(start).Round(100*time.Millisecond), target)
	gctx, cancel := context.WithTimeout(ctx, genTimeout)
	defer cancel()
	if err := generate(gctx, db, target, out); err != nil {
		if gctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			return crawlPlan{}, fmt.Errorf("generating the crawl dataset took longer than %s: %w", genTimeout, err)
		}
		return crawlPlan{}, fmt.Errorf("generating the crawl dataset in %s: %w", name, err)
	}
	plan, err := readPlan(ctx, db)
	if err != nil {
		return crawlPlan{}, err
	}
	if err := m.markLoaded(ctx, name, fp, plan.String()); err != nil {
		return crawlPlan{}, err
	}
	fmt.Fprintf(out, "database %s: %s, generated in %s\n", name, plan, time.Since(start).Round(100*time.Millisecond))
	return plan, nil
}

// generate adds the copies to the freshly loaded dev dataset of db.
func generate(ctx context.Context, db *sql.DB, target int, out io.Writer) error {
	conn, err := db.Conn(ctx) // one connection: the scaffolding tables and session stay put
	if err != nil {
		return err
	}
	defer conn.Close()
	exec := func(q string, args ...any) error {
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("%.200s: %w", q, err)
		}
		return nil
	}

	n := map[string]int{}
	for _, e := range entities {
		ids, err := originalIDs(ctx, conn, e)
		if err != nil {
			return err
		}
		n[e.name] = len(ids)
		if err := exec("CREATE TABLE crawl_map_" + e.name + " (old_id INT UNSIGNED NOT NULL PRIMARY KEY, idx INT UNSIGNED NOT NULL) ENGINE=InnoDB"); err != nil {
			return err
		}
		if err := insertPairs(ctx, conn, "crawl_map_"+e.name, ids); err != nil {
			return err
		}
	}
	k := copiesFor(target, n["subject"])
	if k == 0 {
		return fmt.Errorf("the dev dataset has %d subjects: nothing to copy for %d", n["subject"], target)
	}
	for _, e := range entities {
		if last := crawlBase + k*n[e.name] - 1; last > maxMediumint {
			return fmt.Errorf("%d copies of %d %s rows end at id %d, beyond MEDIUMINT UNSIGNED (%d): ask for fewer subjects", k, n[e.name], e.table, last, maxMediumint)
		}
	}
	if err := exec("CREATE TABLE crawl_copies (k INT UNSIGNED NOT NULL PRIMARY KEY) ENGINE=InnoDB"); err != nil {
		return err
	}
	copies := make([]int, k)
	for i := range copies {
		copies[i] = i + 1
	}
	if err := insertPairs(ctx, conn, "crawl_copies", copies); err != nil {
		return err
	}

	var tables []string
	for _, spec := range copySpecs {
		if len(tables) == 0 || tables[len(tables)-1] != spec.table {
			tables = append(tables, spec.table)
			if err := exec("CREATE TABLE `crawl_src_" + spec.table + "` LIKE `" + spec.table + "`"); err != nil {
				return err
			}
			if err := exec("INSERT INTO `crawl_src_" + spec.table + "` SELECT * FROM `" + spec.table + "`"); err != nil {
				return err
			}
		}
	}
	if err := copyAll(ctx, db, conn, n, k, out); err != nil {
		return err
	}
	start := time.Now()
	for _, t := range tables {
		rows, err := conn.QueryContext(ctx, "ANALYZE TABLE `"+t+"`")
		if err != nil {
			return fmt.Errorf("ANALYZE TABLE %s: %w", t, err)
		}
		_ = rows.Close()
	}
	fmt.Fprintf(out, "  ANALYZE TABLE of %d tables in %s\n", len(tables), time.Since(start).Round(100*time.Millisecond))
	drop := []string{"crawl_copies"}
	for _, e := range entities {
		drop = append(drop, "crawl_map_"+e.name)
	}
	for _, t := range tables {
		drop = append(drop, "crawl_src_"+t)
	}
	return exec("DROP TABLE `" + strings.Join(drop, "`, `") + "`")
}

// copyAll runs the copySpecs on genWorkers connections, the costliest first
// (by the rows of their source table: the link tables, with many narrow rows
// and several indexes, take longer than the wide entity tables).
func copyAll(ctx context.Context, db *sql.DB, conn *sql.Conn, n map[string]int, k int, out io.Writer) error {
	cost := map[string]int64{}
	for _, spec := range copySpecs {
		q := "SELECT COUNT(*) FROM `crawl_src_" + spec.table + "`"
		var c int64
		if err := conn.QueryRowContext(ctx, q).Scan(&c); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
		cost[spec.table] = c
	}
	order := slices.Clone(copySpecs)
	slices.SortStableFunc(order, func(a, b copySpec) int { return cmp.Compare(cost[b.table], cost[a.table]) })

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan copySpec)
	errs := make(chan error, genWorkers)
	var mu sync.Mutex // out
	var wg sync.WaitGroup
	for range genWorkers {
		wg.Go(func() {
			c, err := db.Conn(ctx)
			if err != nil {
				errs <- err
				cancel()
				return
			}
			defer c.Close()
			for spec := range jobs {
				start := time.Now()
				added, err := copyOne(ctx, c, spec, n, k)
				if err != nil {
					errs <- err
					cancel()
					return
				}
				if added < 0 {
					continue // nothing matches spec.where
				}
				what := spec.table
				if spec.where != "" {
					what += " where " + strings.TrimPrefix(spec.where, "s.")
				}
				mu.Lock()
				fmt.Fprintf(out, "  %-50s +%8d rows in %s\n", what, added, time.Since(start).Round(100*time.Millisecond))
				mu.Unlock()
			}
		})
	}
feed:
	for _, spec := range order {
		select {
		case jobs <- spec:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	return ctx.Err()
}

// copyOne inserts the K copies of spec's rows in batches of about batchRows
// rows and returns how many rows it added (-1: no source row matches).
func copyOne(ctx context.Context, conn *sql.Conn, spec copySpec, n map[string]int, k int) (int64, error) {
	cols, err := columns(ctx, conn, spec.table)
	if err != nil {
		return 0, err
	}
	var src int
	q := "SELECT COUNT(*) FROM `crawl_src_" + spec.table + "` s"
	if spec.where != "" {
		q += " WHERE " + spec.where
	}
	if err := conn.QueryRowContext(ctx, q).Scan(&src); err != nil {
		return 0, fmt.Errorf("%s: %w", q, err)
	}
	if src == 0 {
		return -1, nil
	}
	stmt := copySQL(spec, cols, n)
	per := max(1, batchRows/src)
	var rows int64
	for first := 1; first <= k; first += per {
		last := min(k, first+per-1)
		res, err := conn.ExecContext(ctx, stmt, first, last)
		if err != nil {
			return rows, fmt.Errorf("copying %s (copies %d..%d): %w", spec.table, first, last, err)
		}
		added, _ := res.RowsAffected()
		rows += added
	}
	return rows, nil
}

func originalIDs(ctx context.Context, conn *sql.Conn, e entity) ([]int, error) {
	rows, err := conn.QueryContext(ctx, fmt.Sprintf("SELECT `%s` FROM `%s` WHERE `%s` < %d ORDER BY `%s`", e.idCol, e.table, e.idCol, crawlBase, e.idCol))
	if err != nil {
		return nil, fmt.Errorf("%s ids: %w", e.table, err)
	}
	defer rows.Close()
	var ids []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// insertPairs fills a map table (old_id, idx) with (v, index of v), or a one
// column table with the values.
func insertPairs(ctx context.Context, conn *sql.Conn, table string, values []int) error {
	pairs := strings.HasPrefix(table, "crawl_map_")
	for start := 0; start < len(values); start += 1000 {
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " VALUES ")
		for i := start; i < min(len(values), start+1000); i++ {
			if i > start {
				b.WriteString(", ")
			}
			if pairs {
				fmt.Fprintf(&b, "(%d, %d)", values[i], i)
			} else {
				fmt.Fprintf(&b, "(%d)", values[i])
			}
		}
		if _, err := conn.ExecContext(ctx, b.String()); err != nil {
			return fmt.Errorf("filling %s: %w", table, err)
		}
	}
	return nil
}

func columns(ctx context.Context, conn *sql.Conn, table string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = DATABASE() AND table_name = ? AND extra NOT LIKE '%GENERATED%'
		ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("table %s has no columns (missing?)", table)
	}
	return cols, nil
}

// crawlPlan holds the id ranges of the copies, one per entity.
type crawlPlan struct {
	ranges map[string]idRange // entity name → ids
}

type idRange struct{ first, last int } // inclusive; empty when last < first

func (r idRange) count() int { return max(0, r.last-r.first+1) }

func (p crawlPlan) String() string {
	var parts []string
	names := make([]string, 0, len(p.ranges))
	for name := range p.ranges {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		r := p.ranges[name]
		parts = append(parts, name+" ids "+strconv.Itoa(r.first)+"–"+strconv.Itoa(r.last))
	}
	return strings.Join(parts, ", ")
}

// readPlan reads the id ranges of the copies (ids from crawlBase on).
func readPlan(ctx context.Context, db *sql.DB) (crawlPlan, error) {
	p := crawlPlan{ranges: map[string]idRange{}}
	for _, e := range entities {
		var first, last sql.NullInt64
		q := fmt.Sprintf("SELECT MIN(`%s`), MAX(`%s`) FROM `%s` WHERE `%s` >= %d", e.idCol, e.idCol, e.table, e.idCol, crawlBase)
		if err := db.QueryRowContext(ctx, q).Scan(&first, &last); err != nil {
			return p, fmt.Errorf("%s: %w", q, err)
		}
		if !first.Valid {
			return p, fmt.Errorf("%s has no generated rows (ids ≥ %d): run with -reload", e.table, crawlBase)
		}
		p.ranges[e.name] = idRange{int(first.Int64), int(last.Int64)}
	}
	return p, nil
}
