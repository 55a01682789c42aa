package wiki_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain/wiki"
)

// format writes w in canonical form; Parse(format(w)) must give w back.
// A space (trimmed by Parse) follows the type and scalar values, so one that
// ends with "\r" is not taken for half of a "\r\n".
func format(w wiki.Wiki) string {
	var b strings.Builder
	b.WriteString("{{Infobox ")
	b.WriteString(w.Type)
	b.WriteString(" \n")
	for _, f := range w.Fields {
		b.WriteByte('|')
		b.WriteString(f.Key)
		b.WriteByte('=')
		switch {
		case f.Array:
			b.WriteString("{\n")
			for _, it := range f.Values {
				b.WriteByte('[')
				if it.Key != "" || strings.Contains(it.Value, "|") {
					b.WriteString(it.Key)
					b.WriteByte('|')
				}
				b.WriteString(it.Value)
				b.WriteString("]\n")
			}
			b.WriteByte('}')
		default:
			b.WriteString(f.Value)
			b.WriteByte(' ')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}}")
	return b.String()
}

func isTrimmed(s string) bool { return strings.Trim(s, " \t") == s }

// checkWiki reports every way w breaks the invariants of a parsed wiki.
func checkWiki(tb testing.TB, w wiki.Wiki) {
	tb.Helper()
	if strings.Contains(w.Type, "\n") || !isTrimmed(w.Type) {
		tb.Errorf("bad type %q", w.Type)
	}
	if w.Fields != nil && len(w.Fields) == 0 {
		tb.Errorf("Fields is empty but not nil")
	}
	for _, f := range w.Fields {
		if strings.ContainsAny(f.Key, "=\n") || !isTrimmed(f.Key) {
			tb.Errorf("bad key %q", f.Key)
		}
		switch {
		case f.Null:
			if f.Array || f.Value != "" || f.Values != nil {
				tb.Errorf("bad null field %+v", f)
			}
		case f.Array:
			if f.Value != "" || f.Values == nil {
				tb.Errorf("bad array field %+v", f)
			}
			for _, it := range f.Values {
				if strings.ContainsAny(it.Key, "|\n") || !isTrimmed(it.Key) ||
					strings.Contains(it.Value, "\n") || !isTrimmed(it.Value) {
					tb.Errorf("bad item %+v", it)
				}
			}
		default:
			if f.Value == "" || f.Value == "{" || f.Values != nil ||
				strings.Contains(f.Value, "\n") || !isTrimmed(f.Value) {
				tb.Errorf("bad scalar field %+v", f)
			}
		}
	}
}

// FuzzParse checks that Parse never panics, that its errors are well formed,
// that a parsed wiki survives a format/parse round trip and that Infobox is
// consistent with Parse.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "{{Infobox}}", "{{Infobox Crt}}", "{{Infobox\n}}", "{{Infobox Ta\n}}\n",
		"{{Infobox\n|a=b\n|d=E\n}}", "{{Infobox\n|A= b = D\n}}", "{{Infobox\n|a=\n|b={\n[x]\n[k|]\n}\n}}",
		"{{Infobox\n|A ={\n[a| d| b ]\n}\n}}", "{{Infobox\n|A ={\n[a| a sd ]]\n}\n}}",
		"{{Infobox\n| A ={\n\n[a]\n[b ]\n\n}\n}}", "{{Infobox\n|a={\n}\n}}",
		"{{\n|A= b\n}}", "{{Infobox\n|A= b\n", "{{Infobox\n|A=\nb\n}}", "{{Infobox\n| d = {\na\n}\n}}",
		"{{Infobox\n| d = {\n[a]\n}}", "{{Infobox\n| d = {\n[a]\n|v=1\n}}", "{{Infobox\n|b\n}}",
		"{{Infobox\n[\n}}", "{{Infobox\n|a={\n[\n}\n}}", "{{Infobox\n|a=1\n|b=2}}",
		character1, subject8, character90001,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := wiki.Parse(s)
		box := wiki.Infobox(s)
		if box == nil {
			t.Fatalf("Infobox(%q) = nil", s)
		}
		if err != nil {
			var se *wiki.SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, wiki.ErrSyntax) {
				t.Fatalf("Parse(%q) error %T %v is not a *SyntaxError", s, err, err)
			}
			lines := strings.Count(strings.ReplaceAll(s, "\r\n", "\n"), "\n") + 1
			if se.Line < 1 || se.Line > lines {
				t.Errorf("Parse(%q) error line %d outside 1..%d", s, se.Line, lines)
			}
			if diff := cmp.Diff(wiki.Wiki{}, w); diff != "" {
				t.Errorf("Parse(%q) returned a Wiki with its error:\n%s", s, diff)
			}
			if len(box) != 0 {
				t.Errorf("Infobox(%q) = %v, want empty on a syntax error", s, box)
			}
			return
		}
		checkWiki(t, w)

		again, err := wiki.Parse(format(w))
		if err != nil {
			t.Fatalf("Parse(format(Parse(%q))) error: %v\nformatted: %q", s, err, format(w))
		}
		if diff := cmp.Diff(w, again); diff != "" {
			t.Errorf("round trip of %q mismatch (-first +second):\n%s", s, diff)
		}

		if !strings.Contains(s, "\r") {
			crlf, err := wiki.Parse(strings.ReplaceAll(s, "\n", "\r\n"))
			if err != nil {
				t.Fatalf("CRLF version of %q fails: %v", s, err)
			}
			if diff := cmp.Diff(w, crlf); diff != "" {
				t.Errorf("CRLF version of %q differs (-LF +CRLF):\n%s", s, diff)
			}
		}

		// Infobox keeps exactly the non-null, non-empty fields in order.
		i := 0
		for _, f := range w.Fields {
			if f.Null || (f.Array && len(f.Values) == 0) {
				continue
			}
			if i >= len(box) {
				t.Fatalf("Infobox(%q) has too few entries: %v", s, box)
			}
			e := box[i]
			i++
			if e.Key != f.Key || e.Array != f.Array || e.Value != f.Value {
				t.Errorf("Infobox entry %+v does not match field %+v", e, f)
			}
			if f.Array {
				if e.Values == nil {
					t.Errorf("Infobox array entry %q has nil values", e.Key)
				}
				var want []wiki.Item
				for _, it := range f.Values {
					if it.Value != "" {
						want = append(want, it)
					}
				}
				if diff := cmp.Diff(want, e.Values, cmp.Comparer(func(a, b []wiki.Item) bool {
					return len(a) == 0 && len(b) == 0 || cmp.Equal(a, b)
				})); diff != "" {
					t.Errorf("Infobox entry %q items mismatch:\n%s", e.Key, diff)
				}
			}
		}
		if i != len(box) {
			t.Errorf("Infobox(%q) has %d entries, want %d", s, len(box), i)
		}
	})
}

// clean makes s usable as one part of a wiki line: no line break, no
// surrounding spaces or tabs, none of the bytes in cut.
func clean(s, cut string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || strings.ContainsRune(cut, r) {
			return -1
		}
		return r
	}, s)
	return strings.Trim(s, " \t")
}

// FuzzRoundTrip builds a valid wiki from arbitrary parts and checks that
// Parse reads back exactly what format wrote.
func FuzzRoundTrip(f *testing.F) {
	f.Add("Crt", "简体中文名", " 鲁路修 ", "英文名", "Lelouch|Lamperouge", "", "[x]")
	f.Add("", "", "", "", "", "k", "")
	f.Add("a}b", "|k", "{", "[a", "b]", "", "a|b")
	f.Add("\r", "k\r", "v\r", "ik\r", "iv\r", "\r", "\r")
	f.Fuzz(func(t *testing.T, typ, key, value, itemKey, itemValue, key2, value2 string) {
		w := wiki.Wiki{Type: clean(typ, "")}
		k, v := clean(key, "="), clean(value, "")
		switch v {
		case "":
			w.Fields = append(w.Fields, wiki.Field{Key: k, Null: true})
		case "{":
			w.Fields = append(w.Fields, wiki.Field{Key: k, Array: true, Values: []wiki.Item{}})
		default:
			w.Fields = append(w.Fields, wiki.Field{Key: k, Value: v})
		}
		w.Fields = append(w.Fields, wiki.Field{Key: clean(key2, "="), Array: true, Values: []wiki.Item{
			{Key: clean(itemKey, "|"), Value: clean(itemValue, "")},
			{Value: clean(value2, "")},
		}})
		if v2 := clean(value2, ""); v2 != "" && v2 != "{" {
			w.Fields = append(w.Fields, wiki.Field{Key: clean(key2, "="), Value: v2})
		}
		checkWiki(t, w)

		got, err := wiki.Parse(format(w))
		if err != nil {
			t.Fatalf("Parse(%q) error: %v", format(w), err)
		}
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("Parse(%q) mismatch (-want +got):\n%s", format(w), diff)
		}
	})
}
