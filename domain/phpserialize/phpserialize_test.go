package phpserialize_test

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bangumi/chii/domain/phpserialize"
)

// arr builds an array from key, value pairs.
func arr(kv ...any) *phpserialize.Array {
	a := &phpserialize.Array{Members: []phpserialize.Member{}}
	for i := 0; i+1 < len(kv); i += 2 {
		a.Members = append(a.Members, phpserialize.Member{Key: kv[i].(string), Value: kv[i+1]})
	}
	return a
}

// marshal writes v as PHP's serialize() does for canonical values: array keys that are
// canonical integers as i:, other keys (and every object property) as s:. Floats are written
// in Go's shortest form, which the decoder reads back to the same float.
func marshal(v phpserialize.Value) string {
	var b strings.Builder
	writeValue(&b, v)
	return b.String()
}

func writeValue(b *strings.Builder, v phpserialize.Value) {
	switch v := v.(type) {
	case nil:
		b.WriteString("N;")
	case bool:
		if v {
			b.WriteString("b:1;")
		} else {
			b.WriteString("b:0;")
		}
	case int64:
		b.WriteString("i:" + strconv.FormatInt(v, 10) + ";")
	case float64:
		switch {
		case math.IsNaN(v):
			b.WriteString("d:NAN;")
		case math.IsInf(v, 1):
			b.WriteString("d:INF;")
		case math.IsInf(v, -1):
			b.WriteString("d:-INF;")
		default:
			b.WriteString("d:" + strconv.FormatFloat(v, 'g', -1, 64) + ";")
		}
	case string:
		writeString(b, v)
		b.WriteByte(';')
	case *phpserialize.Array:
		if v.Class == "" {
			b.WriteString("a:")
		} else {
			b.WriteString("O:" + strconv.Itoa(len(v.Class)) + `:"` + v.Class + `":`)
		}
		b.WriteString(strconv.Itoa(len(v.Members)) + ":{")
		for _, m := range v.Members {
			if n, err := strconv.ParseInt(m.Key, 10, 64); err == nil && v.Class == "" && strconv.FormatInt(n, 10) == m.Key {
				b.WriteString("i:" + m.Key + ";")
			} else {
				writeString(b, m.Key)
				b.WriteByte(';')
			}
			writeValue(b, m.Value)
		}
		b.WriteByte('}')
	default:
		panic(fmt.Sprintf("marshal: unexpected %T", v))
	}
}

func writeString(b *strings.Builder, s string) {
	b.WriteString("s:" + strconv.Itoa(len(s)) + `:"` + s + `"`)
}

var equateNaNs = cmpopts.EquateNaNs()

func TestUnmarshal(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want phpserialize.Value
	}{
		{"Null", `N;`, nil},
		{"True", `b:1;`, true},
		{"False", `b:0;`, false},
		{"Integer", `i:-42;`, int64(-42)},
		{"IntegerPlusAndZeros", `i:+007;`, int64(7)},
		{"IntegerMax", `i:9223372036854775807;`, int64(math.MaxInt64)},
		{"Float", `d:0.5;`, 0.5},
		{"FloatExponent", `d:1.0E+25;`, 1e25},
		{"FloatNoFraction", `d:1.;`, 1.0},
		{"FloatNoWhole", `d:-.5;`, -0.5},
		{"FloatOverflowIsInf", `d:1e400;`, math.Inf(1)},
		{"FloatNaN", `d:NAN;`, math.NaN()},
		{"FloatInf", `d:INF;`, math.Inf(1)},
		{"FloatMinusInf", `d:-INF;`, math.Inf(-1)},
		{"String", `s:4:"text";`, "text"},
		{"EmptyString", `s:0:"";`, ""},
		{"StringLengthInBytes", `s:12:"南條愛乃";`, "南條愛乃"},
		{"StringQuotesAndSemicolons", `s:6:"a";"}b";`, `a";"}b`},
		{"StringBackslashesKept", `s:8:"C:\x41\n";`, `C:\x41\n`},
		{"StringInvalidUTF8Kept", "s:2:\"\xff\x00\";", "\xff\x00"},
		{"ArrayOrderKept", `a:3:{s:1:"z";i:1;s:1:"a";s:1:"x";i:7;b:1;}`, arr("z", int64(1), "a", "x", "7", true)},
		{"ArrayEmpty", `a:0:{}`, arr()},
		{"ArrayNested", `a:2:{i:1;a:0:{}i:2;a:1:{s:1:"k";a:1:{i:0;s:0:"";}}}`,
			arr("1", arr(), "2", arr("k", arr("0", "")))},
		{"ArrayScalars", `a:5:{i:0;N;i:1;d:0.5;i:2;b:0;i:3;i:-4;i:4;d:INF;}`,
			arr("0", nil, "1", 0.5, "2", false, "3", int64(-4), "4", math.Inf(1))},
		{"ArrayRepeatedKeyFirstPlaceLastValue", `a:3:{s:1:"a";i:1;s:1:"b";i:2;s:1:"a";i:3;}`, arr("a", int64(3), "b", int64(2))},
		{"ArrayIntegerAndStringKeyAreOneKey", `a:2:{i:7;s:1:"x";s:1:"7";s:1:"y";}`, arr("7", "y")},
		{"ArrayNonCanonicalStringKeyIsItsOwn", `a:2:{i:7;s:1:"x";s:2:"07";s:1:"y";}`, arr("7", "x", "07", "y")},
		{"Object", `O:8:"stdClass":1:{s:1:"p";i:1;}`,
			&phpserialize.Array{Class: "stdClass", Members: []phpserialize.Member{{Key: "p", Value: int64(1)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := phpserialize.Unmarshal(tt.in)
			if err != nil {
				t.Fatalf("Unmarshal(%q) error = %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got, equateNaNs); diff != "" {
				t.Errorf("Unmarshal(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// TestUnmarshal_MaxDepth: MaxDepth arrays nested around a null decode (one more is an error,
// see TestUnmarshal_Errors). cmp would take exponential time on such a value: walk it instead.
func TestUnmarshal_MaxDepth(t *testing.T) {
	in := strings.Repeat(`a:1:{i:0;`, phpserialize.MaxDepth) + `N;` + strings.Repeat(`}`, phpserialize.MaxDepth)
	v, err := phpserialize.Unmarshal(in)
	if err != nil {
		t.Fatalf("Unmarshal(%d nested arrays) error = %v", phpserialize.MaxDepth, err)
	}
	depth := 0
	for v != nil {
		a, ok := v.(*phpserialize.Array)
		if !ok || len(a.Members) != 1 || a.Members[0].Key != "0" {
			t.Fatalf("at depth %d: got %#v, want an array with the one key \"0\"", depth, v)
		}
		v = a.Members[0].Value
		depth++
	}
	if depth != phpserialize.MaxDepth {
		t.Errorf("decoded %d nested arrays, want %d", depth, phpserialize.MaxDepth)
	}
}

func TestUnmarshal_Errors(t *testing.T) {
	tests := []struct{ name, in string }{
		{"Empty", ``},
		{"TypeOnly", `a:`},
		{"NoClosingBrace", `a:1:{s:1:"a";i:1;`},
		{"TrailingData", `a:1:{s:1:"a";i:1;}x`},
		{"StringPastItsQuotes", `a:1:{s:5:"a";i:1;}`},
		{"StringPastTheEnd", `a:1:{s:99:"a";i:1;}`},
		{"StringNoSemicolon", `s:1:"a"`},
		{"FewerMembersThanCounted", `a:2:{s:1:"a";i:1;}`},
		{"MoreMembersThanCounted", `a:1:{i:0;N;i:1;N;}`},
		{"NegativeCount", `a:-1:{}`},
		{"AbsurdCount", `a:99999999999:{}`},
		{"BadInteger", `i:x;`},
		{"IntegerTwoSigns", `i:+-1;`},
		{"IntegerOutOfRange", `i:9223372036854775808;`},
		{"IntegerNoSemicolon", `i:1`},
		{"BadBoolean", `b:2;`},
		{"BadFloat", `d:x;`},
		{"FloatHex", `d:0x1p3;`},
		{"FloatUnderscore", `d:1_0;`},
		{"FloatLowercaseInf", `d:inf;`},
		{"FloatOnlyDot", `d:.;`},
		{"FloatEmptyExponent", `d:1e;`},
		{"NullNoSemicolon", `N`},
		{"Reference", `a:1:{s:1:"a";r:1;}`},
		{"ReferenceR", `a:2:{i:0;i:1;i:1;R:2;}`},
		{"Custom", `C:3:"Foo":0:{}`},
		{"Enum", `E:7:"Foo:Bar";`},
		{"EscapedString", `S:1:"a";`},
		{"BooleanKey", `a:1:{b:1;i:1;}`},
		{"ArrayKey", `a:1:{a:0:{}i:1;}`},
		{"ObjectNoClass", `O:0:"":0:{}`},
		{"TooDeep", strings.Repeat(`a:1:{i:0;`, phpserialize.MaxDepth+1) + `N;` + strings.Repeat(`}`, phpserialize.MaxDepth+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if v, err := phpserialize.Unmarshal(tt.in); err == nil {
				t.Errorf("Unmarshal(%q) = %#v, want an error", tt.in, v)
			}
		})
	}
}

// TestUnmarshal_LibraryDefects decodes the inputs that github.com/elliotchance/phpserialize
// v1.4.0 gets wrong (see the package documentation); its results are noted per case.
func TestUnmarshal_LibraryDefects(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want phpserialize.Value
	}{
		// The library reads `\x41` as "A", `\n` as a newline, `\'` as a quote, and a `\x` near
		// the end as a NUL byte.
		{"HexEscapeKept", `a:1:{i:0;s:6:"C:\x41";}`, arr("0", `C:\x41`)},
		{"NewlineEscapeKept", `a:1:{i:0;s:4:"a\nb";}`, arr("0", `a\nb`)},
		{"QuoteEscapeKept", `a:1:{i:0;s:4:"a\'b";}`, arr("0", `a\'b`)},
		{"ShortHexEscapeKept", `a:1:{i:0;s:3:"\x4";}`, arr("0", `\x4`)},
		// The library decodes an array whose keys are not 0..n-1 into a Go map: order lost.
		{"KeysWithGapsKeepOrder", `a:3:{i:0;s:1:"a";i:4;s:1:"b";i:2;s:1:"c";}`, arr("0", "a", "4", "b", "2", "c")},
		{"StringKeysKeepOrder", `a:3:{s:1:"z";i:1;s:1:"m";i:2;s:1:"a";i:3;}`, arr("z", int64(1), "m", int64(2), "a", int64(3))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := phpserialize.Unmarshal(tt.in)
			if err != nil {
				t.Fatalf("Unmarshal(%q) error = %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Unmarshal(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
	// The library panics (slice bounds out of range) on the first two and accepts the third.
	for _, tt := range []struct{ name, in string }{
		{"CorruptLengthIsAnError", `a:1:{i:0;s:99:"short";}`},
		{"CorruptNestedLengthIsAnError", `a:2:{i:0;a:2:{s:8:"tag_name";s:99:"short";}}`},
		{"NoClosingBraceIsAnError", `a:1:{i:0;s:1:"a";`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if v, err := phpserialize.Unmarshal(tt.in); err == nil {
				t.Errorf("Unmarshal(%q) = %#v, want an error", tt.in, v)
			}
		})
	}
}

func TestArray_Get(t *testing.T) {
	a := arr("tag_name", "TV", "7", int64(1), "none", nil)
	tests := []struct {
		key    string
		want   phpserialize.Value
		wantOK bool
	}{
		{"tag_name", "TV", true},
		{"7", int64(1), true},
		{"none", nil, true},
		{"missing", nil, false},
	}
	for _, tt := range tests {
		got, ok := a.Get(tt.key)
		if diff := cmp.Diff(tt.want, got); diff != "" || ok != tt.wantOK {
			t.Errorf("Get(%q) = %v, %v; want %v, %v", tt.key, got, ok, tt.want, tt.wantOK)
		}
	}
}

// canonical inputs: what PHP's serialize() writes (floats aside, whose exponent form differs).
var canonical = []string{
	`N;`, `b:0;`, `b:1;`, `i:0;`, `i:-42;`, `d:0.5;`, `d:-0;`, `d:1e+25;`, `d:NAN;`, `d:-INF;`,
	`s:0:"";`, `s:8:"C:\x41\n";`, `s:6:"a";"}b";`, `s:12:"南條愛乃";`, `a:0:{}`,
	`a:3:{i:0;s:1:"a";i:4;s:1:"b";i:2;s:1:"c";}`,
	`a:2:{i:4792;a:3:{s:3:"cat";i:2;s:2:"id";i:4792;s:4:"name";s:12:"南條愛乃";}i:3965;a:3:{s:3:"cat";i:2;s:2:"id";i:3965;s:4:"name";s:15:"田村ゆかり";}}`,
	`a:7:{s:10:"subject_id";s:6:"240346";s:15:"subject_type_id";s:1:"2";s:12:"subject_name";s:33:"寄宿学校のジュリエット";s:15:"subject_name_cn";s:24:"寄宿学校的朱丽叶";s:14:"subject_series";s:1:"0";s:15:"collect_comment";s:0:"";s:12:"collect_rate";i:0;}`,
	`a:1:{i:0;a:3:{s:8:"tag_name";s:2:"TV";s:6:"result";s:1:"3";s:11:"tag_results";s:2:"10";}}`,
	`a:2:{s:2:"07";N;i:-1;N;}`,
	`O:8:"stdClass":2:{s:1:"p";i:1;s:1:"7";a:0:{}}`,
}

func TestUnmarshal_CanonicalRoundTrip(t *testing.T) {
	for _, in := range canonical {
		t.Run(in, func(t *testing.T) {
			v, err := phpserialize.Unmarshal(in)
			if err != nil {
				t.Fatalf("Unmarshal(%q) error = %v", in, err)
			}
			if got := marshal(v); got != in {
				t.Errorf("marshal(Unmarshal(%q)) = %q, want the input back", in, got)
			}
		})
	}
}

// FuzzUnmarshal: no input panics; an error comes with no value; decoding is deterministic; a
// decoded value re-serializes (canonically) to bytes that decode to the same value, so
// re-serialize to the same bytes (canonical input comes back byte for byte: see
// TestUnmarshal_CanonicalRoundTrip). The seeds run in go test.
func FuzzUnmarshal(f *testing.F) {
	for _, s := range canonical {
		f.Add(s)
	}
	for _, s := range []string{
		``, `a:`, `a:9:{`, `i:+007;`, `d:1.;`, `d:.5E-3;`, `d:1e400;`, `s:99:"short";`,
		`a:1:{i:0;s:99:"short";}`, `a:1:{i:0;s:1:"a";`, `a:2:{i:7;s:1:"x";s:1:"7";s:1:"y";}`,
		`a:1:{s:1:"a";r:1;}`, `O:0:"":0:{}`, `a:1:{b:1;i:1;}`,
		strings.Repeat(`a:1:{i:0;`, 70) + `N;` + strings.Repeat(`}`, 70),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		v, err := phpserialize.Unmarshal(in)
		if err != nil {
			if v != nil {
				t.Fatalf("Unmarshal(%q) = %#v with error %v; want no value with an error", in, v, err)
			}
			return
		}
		// marshal is one-to-one on decoded values, so equal bytes mean equal values (cmp would
		// take exponential time on deeply nested values).
		out := marshal(v)
		again, err := phpserialize.Unmarshal(in)
		if err != nil || marshal(again) != out {
			t.Fatalf("Unmarshal(%q) is not deterministic: %q then %q, %v", in, out, marshal(again), err)
		}
		back, err := phpserialize.Unmarshal(out)
		if err != nil {
			t.Fatalf("Unmarshal(marshal(Unmarshal(%q))) = Unmarshal(%q) error = %v", in, out, err)
		}
		if out2 := marshal(back); out2 != out {
			t.Fatalf("marshal is not a fixed point for %q: %q then %q", in, out, out2)
		}
	})
}

// TestUnmarshal_ErrorMessages pins which rule refuses an input at the edges of the bounds
// checks, so a check that is off by one (and only caught later by another) shows.
func TestUnmarshal_ErrorMessages(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`s:5:"ab";`, "offset 5: string of 5 bytes runs past the end"}, // 5 > the 4 bytes left
		{`s:3:"abc`, `offset 8: want "\""`},                            // exactly the bytes left: the quote is missing
		{`i`, "offset 0: unexpected end"},
		{`N`, "offset 0: unexpected end"},
		{`i:;`, `offset 3: bad integer ""`},
	} {
		_, err := phpserialize.Unmarshal(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Unmarshal(%q) error = %v, want one containing %q", tt.in, err, tt.want)
		}
	}
}
