package mysqldb

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bangumi/chii/domain/subject"
)

func TestDecodeTags(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  string
		want []subject.Tag
	}{
		{"Empty", "", nil},
		{"Blank", " \n", nil},
		{"JSONNull", "null", nil},
		{"JSONEmpty", "[]", nil},
		{
			"PHP",
			`a:3:{i:0;a:2:{s:8:"tag_name";s:9:"痞子蔡";s:6:"result";s:2:"23";}i:1;a:3:{s:8:"tag_name";s:3:"A;B";s:6:"result";s:1:"9";s:11:"tag_results";s:3:"120";}i:2;a:2:{s:8:"tag_name";s:7:"{"x":1}";s:6:"result";s:1:"1";}}`,
			[]subject.Tag{{Name: "痞子蔡", Count: 23}, {Name: "A;B", Count: 9, TotalCount: 120}, {Name: `{"x":1}`, Count: 1}},
		},
		{
			"PHPNullNameDropped",
			`a:2:{i:0;a:2:{s:8:"tag_name";N;s:6:"result";s:1:"5";}i:1;a:2:{s:8:"tag_name";s:2:"ok";s:6:"result";s:1:"4";}}`,
			[]subject.Tag{{Name: "ok", Count: 4}},
		},
		{
			"PHPKeysWithGapsInSerializedOrder", // as PHP's foreach and TypeScript read them
			`a:3:{i:0;a:2:{s:8:"tag_name";s:1:"a";s:6:"result";s:1:"3";}i:4;a:2:{s:8:"tag_name";s:1:"b";s:6:"result";s:1:"2";}i:2;a:2:{s:8:"tag_name";s:1:"c";s:6:"result";s:1:"1";}}`,
			[]subject.Tag{{Name: "a", Count: 3}, {Name: "b", Count: 2}, {Name: "c", Count: 1}},
		},
		{
			"PHPStringKeysInSerializedOrder",
			`a:2:{s:1:"z";a:2:{s:8:"tag_name";s:1:"z";s:6:"result";s:1:"1";}s:1:"a";a:2:{s:8:"tag_name";s:1:"a";s:6:"result";s:1:"2";}}`,
			[]subject.Tag{{Name: "z", Count: 1}, {Name: "a", Count: 2}},
		},
		{
			"PHPBackslashesKept",
			`a:4:{i:0;a:2:{s:8:"tag_name";s:6:"C:\x41";s:6:"result";s:1:"4";}i:1;a:2:{s:8:"tag_name";s:4:"a\nb";s:6:"result";s:1:"3";}i:2;a:2:{s:8:"tag_name";s:4:"a\'b";s:6:"result";s:1:"2";}i:3;a:2:{s:8:"tag_name";s:3:"\x4";s:6:"result";s:1:"1";}}`,
			[]subject.Tag{{Name: `C:\x41`, Count: 4}, {Name: `a\nb`, Count: 3}, {Name: `a\'b`, Count: 2}, {Name: `\x4`, Count: 1}},
		},
		{
			"PHPEmptyElementHasNoName",
			`a:2:{i:0;a:0:{}i:1;a:1:{s:8:"tag_name";s:1:"x";}}`,
			[]subject.Tag{{Name: "x"}},
		},
		{
			"PHPIntegers",
			`a:1:{i:0;a:3:{s:8:"tag_name";i:2008;s:6:"result";i:7;s:11:"tag_results";i:70;}}`,
			[]subject.Tag{{Name: "2008", Count: 7, TotalCount: 70}},
		},
		{
			"JSON",
			`[{"tag_name":"\u5357\u5bb6","tag_results":"4620","result":"1414"},{"tag_name":null,"result":"3"},{"tag_name":"R&D <2>","result":"2"},{"tag_name":"2008","result":2}]`,
			[]subject.Tag{{Name: "南家", Count: 1414, TotalCount: 4620}, {Name: "R&D <2>", Count: 2}, {Name: "2008", Count: 2}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeTags([]byte(tc.raw))
			if err != nil {
				t.Fatalf("decodeTags(%q): %v", tc.raw, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("decodeTags(%q) mismatch (-want +got):\n%s", tc.raw, diff)
			}
		})
	}
}

func TestDecodeTags_Errors(t *testing.T) {
	for _, raw := range []string{
		`a:2:{i:0;a:2:{s:8:"tag_name";s:99:"short";}}`, // length past the end
		`a:1:{i:0;a:1:{s:8:"tag_name";s:3:"abc"`,       // cut short
		`a:1:{i:0;a:1:{s:8:"tag_name";s:3:"abc";}`,     // no closing brace
		`a:1:{i:0;a:1:{s:8:"tag_name";s:3:"abc";}}xyz`, // trailing garbage
		`a:1:{i:0;s:3:"abc";}`,                         // element is not an array
		`a:1:{i:0;a:1:{s:8:"tag_name";d:1.5;}}`,        // name is a float
		`a:1:{i:0;a:2:{s:8:"tag_name";s:1:"x";s:6:"result";s:4:"many";}}`,
		`a:x:{}`,
		`[{"tag_name":"x","result":"many"}]`,
		`[{"tag_name":"x","result":"1"}`,
		`{"tag_name":"x"}`,
		`not json`,
	} {
		if got, err := decodeTags([]byte(raw)); err == nil {
			t.Errorf("decodeTags(%q) = %v, want an error", raw, got)
		}
	}
}

// encodePHPTags writes tags as bangumi's PHP writes field_tags: a list of arrays with tag_name,
// result and tag_results, counts as numeric strings, names as their bytes (length in bytes).
func encodePHPTags(tags []subject.Tag) string {
	phpString := func(s string) string { return fmt.Sprintf("s:%d:\"%s\";", len(s), s) }
	var b strings.Builder
	fmt.Fprintf(&b, "a:%d:{", len(tags))
	for i, tag := range tags {
		fmt.Fprintf(&b, "i:%d;a:3:{", i)
		b.WriteString(phpString("tag_name") + phpString(tag.Name))
		b.WriteString(phpString("result") + phpString(strconv.Itoa(tag.Count)))
		b.WriteString(phpString("tag_results") + phpString(strconv.Itoa(tag.TotalCount)))
		b.WriteString("}")
	}
	b.WriteString("}")
	return b.String()
}

// Known tag lists, encoded as PHP writes them, decode to themselves.
func TestDecodeTags_EncodedListsRoundTrip(t *testing.T) {
	for _, tags := range [][]subject.Tag{
		{{Name: "TV", Count: 3, TotalCount: 10}},
		{{Name: "痞子蔡", Count: 23}, {Name: "A;B", Count: 9, TotalCount: 120}, {Name: `{"x":1}`, Count: 1}},
		{{Name: `";}s:1:"`, Count: 2, TotalCount: 1}, {Name: "", Count: 0, TotalCount: 5}, {Name: `C:\x41`, Count: -1}},
		{{Name: "2008", Count: 7, TotalCount: 70}, {Name: "z"}, {Name: "a", Count: 1 << 40, TotalCount: 1}},
		{{Name: "\xff\xfe", Count: 1}, {Name: " lead and trail ", Count: 2, TotalCount: 3}},
	} {
		raw := encodePHPTags(tags)
		got, err := decodeTags([]byte(raw))
		if err != nil {
			t.Fatalf("decodeTags(%q): %v", raw, err)
		}
		if diff := cmp.Diff(tags, got); diff != "" {
			t.Errorf("decodeTags(%q) mismatch (-want +got):\n%s", raw, diff)
		}
	}
}

// FuzzDecodeTags: whatever the column holds, decoding returns tags or an error (never both) and
// never panics, and a decoded tag list re-encodes (as PHP writes it) to the same tags. The
// seeds run in make test.
func FuzzDecodeTags(f *testing.F) {
	for _, seed := range []string{
		"", "null", "[]", "a:0:{}", `[{"tag_name":"TV","result":"3","tag_results":"10"}]`,
		`a:1:{i:0;a:3:{s:8:"tag_name";s:2:"TV";s:6:"result";s:1:"3";s:11:"tag_results";s:2:"10";}}`,
		`a:1:{i:0;a:2:{s:8:"tag_name";N;s:6:"result";s:1:"5";}}`,
		`a:1:{i:0;a:2:{s:8:"tag_name";s:99:"short";s:6:"result";s:1:"5";}}`,
		`a:9:{`, `a:1:{i:0;s:3:"abc";}`, `a:1:{i:0;a:1:{s:8:"tag_name";s:6:"C:\x41";}}`, `[{"tag_name":1.5}]`, `{"tag_name":"x"}`,
		`a:3:{i:0;a:2:{s:8:"tag_name";s:9:"痞子蔡";s:6:"result";s:2:"23";}i:1;a:3:{s:8:"tag_name";s:3:"A;B";s:6:"result";s:1:"9";s:11:"tag_results";s:3:"120";}i:2;a:2:{s:8:"tag_name";s:7:"{"x":1}";s:6:"result";s:1:"1";}}`,
		`a:2:{i:0;a:2:{s:8:"tag_name";N;s:6:"result";s:1:"5";}i:1;a:2:{s:8:"tag_name";s:2:"ok";s:6:"result";s:1:"4";}}`,
		`a:2:{s:1:"z";a:2:{s:8:"tag_name";s:1:"z";s:6:"result";s:1:"1";}s:1:"a";a:2:{s:8:"tag_name";s:1:"a";s:6:"result";s:1:"2";}}`,
		`a:1:{i:0;a:3:{s:8:"tag_name";i:2008;s:6:"result";i:7;s:11:"tag_results";i:70;}}`,
		`[{"tag_name":"\u5357\u5bb6","tag_results":"4620","result":"1414"},{"tag_name":null,"result":"3"},{"tag_name":"2008","result":2}]`,
		`[{"tag_name":"x","result":"+5","tag_results":"-0"}]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		tags, err := decodeTags(raw)
		if err != nil {
			if tags != nil {
				t.Fatalf("decodeTags(%q) = %v with error %v; want no tags with an error", raw, tags, err)
			}
			return
		}
		encoded := encodePHPTags(tags)
		again, err := decodeTags([]byte(encoded))
		if err != nil {
			t.Fatalf("decodeTags(%q) = %v, whose encoding %q does not decode: %v", raw, tags, encoded, err)
		}
		if diff := cmp.Diff(tags, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("decodeTags(%q) = %v does not survive re-encoding as %q (-first +again):\n%s", raw, tags, encoded, diff)
		}
	})
}
