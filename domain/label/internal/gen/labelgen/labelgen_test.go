package labelgen_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain/label/internal/gen/labelgen"
)

const (
	platformJSON = `{
  "3": {"0": {"id": 0, "type": "", "type_cn": "", "alias": "", "order": 0}},
  "2": {
    "10": {"id": 10, "type": "other", "type_cn": "", "order": 5, "sort_keys": ["放送开始"]},
    "1": {"id": 1, "type": "TV", "type_cn": "TV", "enable_header": true},
    "3": {"id": 3, "type": "movie", "type_cn": "剧场版"}
  }
}`
	relationsJSON = `{
  "define": {"types": {"anime": {"1": {"cn": "define-only", "en": "", "jp": ""}}}},
  "relations": {
    "6": {"2": {"en": "Prequel", "cn": "前传", "jp": "", "desc": "d"}},
    "2": {
      "1": {"en": "Adaptation", "cn": "改编", "jp": "", "desc": ""},
      "7": {"en": "Character", "cn": "", "jp": "キャラ", "desc": ""},
      "8": {"en": "Same Setting", "cn": "", "jp": "", "desc": ""},
      "9": {"en": "", "cn": "", "jp": "", "desc": "nothing", "skip_vice_versa": true}
    }
  }
}`
	staffsJSON = `{
  "define": {"type": {"anime": 2}},
  "presentation": {"2": {"groups": {"source": [1]}}},
  "staffs": {
    "2": {
      "2": {"en": "Director", "cn": "导演", "jp": "監督", "rdf": "directedBy", "categories": [{"order": 1}]},
      "1": {"en": "Original Creator", "cn": "", "jp": "原作", "rdf": ""},
      "3": {"en": "Script", "cn": "", "jp": "", "rdf": "x"},
      "4": {"en": "", "cn": "", "jp": "", "rdf": "rdfOnly"},
      "5": {"en": "", "cn": "", "jp": "", "rdf": ""}
    },
    "1": {"2001": {"en": "", "cn": "作者\"引号\"", "jp": ""}}
  }
}`
)

func vars(platform, relations, staffs string) fstest.MapFS {
	return fstest.MapFS{
		labelgen.PlatformFile:  {Data: []byte(platform)},
		labelgen.RelationsFile: {Data: []byte(relations)},
		labelgen.StaffsFile:    {Data: []byte(staffs)},
	}
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	got, err := labelgen.Generate(vars(platformJSON, relationsJSON, staffsJSON), "label")
	if err != nil {
		t.Fatal(err)
	}
	want := labelgen.Header + `
// Source: bangumi/server pkg/vars platform.go.json, relations.go.json and staffs.go.json.

package label

// platforms maps (subject type, platform) to type_cn, or type when type_cn is empty.
var platforms = map[key]string{
	{2, 1}:  "TV",
	{2, 3}:  "剧场版",
	{2, 10}: "other",
	{3, 0}:  "",
}

// staffs maps (subject type, position) to the first non-empty of cn, jp, en, rdf.
var staffs = map[key]string{
	{1, 2001}: "作者\"引号\"",
	{2, 1}:    "原作",
	{2, 2}:    "导演",
	{2, 3}:    "Script",
	{2, 4}:    "rdfOnly",
	{2, 5}:    "",
}

// relations maps (destination subject type, relation type) to the first non-empty of cn, jp, en; relation type 1 is left out.
var relations = map[key]string{
	{2, 7}: "キャラ",
	{2, 8}: "Same Setting",
	{2, 9}: "",
	{6, 2}: "前传",
}
`
	if diff := cmp.Diff(strings.Split(want, "\n"), strings.Split(string(got), "\n")); diff != "" {
		t.Errorf("Generate() mismatch (-want +got):\n%s", diff)
	}
}

func TestGenerate_Deterministic(t *testing.T) {
	t.Parallel()
	first, err := labelgen.Generate(vars(platformJSON, relationsJSON, staffsJSON), "label")
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		again, err := labelgen.Generate(vars(platformJSON, relationsJSON, staffsJSON), "label")
		if err != nil {
			t.Fatal(err)
		}
		if string(again) != string(first) {
			t.Fatalf("Generate() output changed between runs:\n%s\n---\n%s", first, again)
		}
	}
}

func TestGenerate_Errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fsys    fs.FS
		wantErr string
	}{
		{name: "MissingFile", fsys: fstest.MapFS{
			labelgen.PlatformFile: {Data: []byte(platformJSON)},
			labelgen.StaffsFile:   {Data: []byte(staffsJSON)},
		}, wantErr: "relations.go.json"},
		{name: "InvalidJSON", fsys: vars(`{`, relationsJSON, staffsJSON), wantErr: "platform.go.json"},
		{name: "WrongShape", fsys: vars(`{"2": {"1": {"type": 1}}}`, relationsJSON, staffsJSON),
			wantErr: "platform.go.json"},
		{name: "NoPlatforms", fsys: vars(`null`, relationsJSON, staffsJSON), wantErr: "no platforms"},
		{name: "NoRelationsObject", fsys: vars(platformJSON, `{"define": {}}`, staffsJSON),
			wantErr: `no "relations" object`},
		{name: "NoStaffsObject", fsys: vars(platformJSON, relationsJSON, `{"define": {}}`),
			wantErr: `no "staffs" object`},
		{name: "SubjectTypeNotUint8", fsys: vars(`{"256": {"1": {"type": "x"}}}`, relationsJSON, staffsJSON),
			wantErr: `subject type "256"`},
		{name: "IDNotUint16", fsys: vars(platformJSON, relationsJSON, `{"staffs": {"2": {"65536": {}}}}`),
			wantErr: `id "65536"`},
		{name: "IDNotDecimal", fsys: vars(platformJSON, `{"relations": {"2": {"0x1": {}}}}`, staffsJSON),
			wantErr: `id "0x1"`},
		{name: "DuplicateID", fsys: vars(`{"2": {"1": {}, "01": {}}}`, relationsJSON, staffsJSON),
			wantErr: "id 1 appears twice"},
		{name: "DuplicateSubjectType", fsys: vars(`{"2": {"1": {}}, "02": {"3": {}}}`, relationsJSON, staffsJSON),
			wantErr: "subject type 2 appears twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := labelgen.Generate(tt.fsys, "label")
			if err == nil {
				t.Fatalf("Generate() = %s, want error containing %q", out, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Generate() error = %v, want it to contain %q", err, tt.wantErr)
			}
			if tt.name == "MissingFile" && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Generate() error = %v, want fs.ErrNotExist", err)
			}
		})
	}
}
