package revision_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/domain/revision"
)

func TestDecodeEpisodes(t *testing.T) {
	// The dev dataset's text 74717 (names shortened): the second revision stores numbers.
	text := contracttests.RevisionText(t, `a:2:{i:1439146;a:7:{s:7:"ep_sort";d:1.5;s:7:"ep_type";i:0;s:7:"ep_name";s:1:"n";s:10:"ep_name_cn";s:0:"";`+
		`s:11:"ep_duration";s:3:"24m";s:10:"ep_airdate";s:10:"2008-04-06";s:7:"ep_desc";N;}`+
		`i:122788;a:8:{s:7:"ep_sort";s:1:"1";s:7:"ep_type";s:1:"0";s:7:"ep_name";s:1:"n";s:10:"ep_name_cn";s:1:"c";`+
		`s:11:"ep_duration";s:3:"24m";s:10:"ep_airdate";s:10:"2008-04-06";s:7:"ep_desc";s:3:"d`+"\r\n"+`";s:5:"other";a:0:{}}}`)
	got, err := revision.DecodeEpisodes(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []revision.Entry[revision.Episode]{
		{"122788", revision.Episode{Airdate: "2008-04-06", Desc: "d\r\n", Duration: "24m", Name: "n", NameCN: "c", Sort: "1", Type: "0"}},
		{"1439146", revision.Episode{Airdate: "2008-04-06", Duration: "24m", Name: "n", Sort: "1.5", Type: "0"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeEpisodes() mismatch (-want +got):\n%s", diff)
	}
}

func TestDecodeCharacters(t *testing.T) {
	t.Run("SortedNumericallyNullAndExtra", func(t *testing.T) {
		text := contracttests.RevisionText(t, `a:3:{i:10;a:4:{s:8:"crt_name";s:1:"B";s:11:"crt_summary";s:1:"x";s:7:"summary";s:1:"y";`+
			`s:5:"extra";a:1:{s:3:"img";s:5:"b.jpg";}}i:9;N;i:100;a:2:{s:8:"crt_name";s:1:"A";s:5:"extra";i:3;}}`)
		got, err := revision.DecodeCharacters(text)
		if err != nil {
			t.Fatal(err)
		}
		want := []revision.Entry[revision.Character]{
			{"9", revision.Character{}},
			{"10", revision.Character{Name: "B", Summary: "y", Extra: revision.Extra{Img: "b.jpg"}}},
			{"100", revision.Character{Name: "A"}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("DecodeCharacters() mismatch (-want +got):\n%s", diff)
		}
	})
	// A well-formed text of another shape gives no data and no error (§8.2).
	for name, php := range map[string]string{
		"NumberForString":   `a:2:{i:1;a:1:{s:8:"crt_name";s:1:"A";}i:2;a:1:{s:8:"crt_name";i:5;}}`,
		"NotAnArray":        `s:3:"abc";`,
		"KeyNotAnID":        `a:1:{s:2:"n0";a:0:{}}`,
		"KeyNotCanonical":   `a:2:{i:7;N;s:3:"007";N;}`,
		"PayloadNotAnArray": `a:1:{i:1;s:1:"x";}`,
		"ImgNotAString":     `a:1:{i:1;a:1:{s:5:"extra";a:1:{s:3:"img";a:0:{}}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			got, err := revision.DecodeCharacters(contracttests.RevisionText(t, php))
			if err != nil || len(got) != 0 {
				t.Errorf("DecodeCharacters(%s) = %v, %v; want no data, no error", php, got, err)
			}
		})
	}
}

func TestDecodePersons(t *testing.T) {
	text := contracttests.RevisionText(t, `a:2:{i:8;a:5:{s:9:"prsn_name";s:1:"P";s:12:"prsn_infobox";s:1:"i";s:12:"prsn_summary";s:1:"s";`+
		`s:10:"profession";a:2:{s:6:"writer";s:1:"1";s:5:"actor";s:1:"1";}s:5:"extra";a:1:{s:3:"img";s:1:"p";}}`+
		`i:9;a:1:{s:2:"n0";a:1:{s:7:"prsn_id";i:1;}}}`)
	got, err := revision.DecodePersons(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []revision.Entry[revision.Person]{
		{"8", revision.Person{Name: "P", Infobox: "i", Summary: "s", Profession: revision.Profession{Writer: "1", Actor: "1"}, Extra: revision.Extra{Img: "p"}}},
		{"9", revision.Person{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodePersons() mismatch (-want +got):\n%s", diff)
	}
	if got, err := revision.DecodePersons(contracttests.RevisionText(t, `a:1:{i:8;a:1:{s:10:"profession";s:1:"1";}}`)); err != nil || len(got) != 0 {
		t.Errorf("profession not a map = %v, %v; want no data", got, err)
	}
}

func TestDecode_CorruptIsAnError(t *testing.T) {
	for name, text := range map[string][]byte{
		"NotDeflate": []byte("a:1:{i:1;N;}"),
		"Truncated":  contracttests.RevisionText(t, `a:1:{i:1;N;}`)[:3],
		"NotPHP":     contracttests.RevisionText(t, `{"1":{}}`),
		"Trailing":   contracttests.RevisionText(t, `a:0:{}x`),
	} {
		t.Run(name, func(t *testing.T) {
			for kind, decode := range map[string]func([]byte) error{
				"characters": func(b []byte) error { _, err := revision.DecodeCharacters(b); return err },
				"persons":    func(b []byte) error { _, err := revision.DecodePersons(b); return err },
				"episodes":   func(b []byte) error { _, err := revision.DecodeEpisodes(b); return err },
			} {
				if err := decode(text); !errors.Is(err, revision.ErrCorrupt) {
					t.Errorf("%s: err = %v, want ErrCorrupt", kind, err)
				}
			}
		})
	}
}

func TestKind_Types(t *testing.T) {
	for _, tc := range []struct {
		k    revision.Kind
		want []uint8
	}{
		{revision.KindPerson, []uint8{3, 8, 9, 15, 16}},
		{revision.KindCharacter, []uint8{2, 4, 7, 13, 14}},
		{revision.KindEpisode, []uint8{18, 181, 182, 183, 184, 185}},
		{revision.KindSubject, nil},
	} {
		if diff := cmp.Diff(tc.want, tc.k.Types()); diff != "" {
			t.Errorf("%s.Types() mismatch (-want +got):\n%s", tc.k, diff)
		}
		for _, typ := range []uint8{1, 5, 6, 10, 11, 12, 17, 103, 104} { // subject types of chii_rev_history
			if tc.k.HasType(typ) {
				t.Errorf("%s.HasType(%d) = true: subject-related history is never exposed", tc.k, typ)
			}
		}
	}
}

// FuzzDecodeRevisionText: no input panics; every failure to read the stored text is ErrCorrupt,
// and a success is sorted by revision id.
func FuzzDecodeRevisionText(f *testing.F) {
	for _, php := range []string{
		`a:1:{i:1;a:1:{s:8:"crt_name";s:1:"A";}}`, `a:2:{i:2;N;i:1;a:0:{}}`, `N;`,
		`a:1:{i:8;a:1:{s:10:"profession";a:1:{s:6:"writer";s:1:"1";}}}`, `a:1:{i:1;a:1:{s:7:"ep_sort";d:1;}}`,
	} {
		f.Add(contracttests.RevisionText(f, php), false)
		f.Add([]byte(php), true) // raw: inflated by the fuzz body
	}
	f.Fuzz(func(t *testing.T, b []byte, compress bool) {
		if compress {
			b = contracttests.RevisionText(t, string(b))
		}
		check := func(ids []string, err error) {
			if err != nil {
				if !errors.Is(err, revision.ErrCorrupt) {
					t.Fatalf("error %v does not wrap ErrCorrupt", err)
				}
				if len(ids) != 0 {
					t.Fatalf("data %v with error %v", ids, err)
				}
			}
		}
		cs, err := revision.DecodeCharacters(b)
		check(keys(cs), err)
		ps, err := revision.DecodePersons(b)
		check(keys(ps), err)
		es, err := revision.DecodeEpisodes(b)
		check(keys(es), err)
		for _, ids := range [][]string{keys(cs), keys(ps), keys(es)} {
			for i := 1; i < len(ids); i++ {
				if len(ids[i-1]) > len(ids[i]) || (len(ids[i-1]) == len(ids[i]) && ids[i-1] >= ids[i]) {
					t.Fatalf("ids not strictly ascending: %v", ids)
				}
			}
		}
	})
}

func keys[T any](es []revision.Entry[T]) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}
