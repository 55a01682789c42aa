package mysqldb_test

import (
	"testing"

	"github.com/bangumi/chii/contracttests"
)

// TestJoinedReads_DevDataset compares every joined read with its list completed by GetByIDs
// on the dev dataset, for every id the entity and link tables name (ids of missing rows
// included). On this MyISAM data it shows in particular that SubjectStaff keeps the storage
// order of Credits by subject, which no ORDER BY pins.
func TestJoinedReads_DevDataset(t *testing.T) {
	r, db := devRepos(t)
	ids := func(query string) []uint32 {
		t.Helper()
		rows, err := db.QueryContext(t.Context(), query)
		must(t, err)
		defer rows.Close()
		var out []uint32
		for rows.Next() {
			var id uint32
			must(t, rows.Scan(&id))
			out = append(out, id)
		}
		must(t, rows.Err())
		return out
	}
	subjects := ids("SELECT subject_id FROM chii_subjects UNION SELECT subject_id FROM chii_person_cs_index " +
		"UNION SELECT subject_id FROM chii_crt_subject_index UNION SELECT rlt_subject_id FROM chii_subject_relations")
	characters := ids("SELECT crt_id FROM chii_characters UNION SELECT crt_id FROM chii_crt_subject_index " +
		"UNION SELECT crt_id FROM chii_crt_cast_index")
	persons := ids("SELECT prsn_id FROM chii_persons UNION SELECT prsn_id FROM chii_person_cs_index " +
		"UNION SELECT prsn_id FROM chii_crt_cast_index")
	if len(subjects) < 101 || len(characters) < 10 || len(persons) < 10 {
		t.Fatalf("%d subjects, %d characters, %d persons: is the dev dataset loaded?", len(subjects), len(characters), len(persons))
	}
	t.Logf("%d subject, %d character and %d person ids", len(subjects), len(characters), len(persons))
	contracttests.CheckJoinedReads(t, r, subjects, characters, persons)
}
