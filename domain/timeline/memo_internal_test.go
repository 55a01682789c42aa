package timeline

import (
	"math"
	"strings"
	"testing"
)

func TestJSNumber(t *testing.T) {
	// Expected values are JavaScript's String(n).
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "0"},
		{1, "1"},
		{-7, "-7"},
		{1.5, "1.5"},
		{123456789012, "123456789012"},
		{1e20, "100000000000000000000"},
		{1e21, "1e+21"},
		{1.5e22, "1.5e+22"},
		{0.1, "0.1"},
		{0.000001, "0.000001"},
		{0.0000001, "1e-7"},
		{1.25e-7, "1.25e-7"},
		{-0.5, "-0.5"},
		{math.MaxUint32, "4294967295"},
		{math.NaN(), "null"},
		{math.Inf(1), "null"},
	}
	for _, tt := range tests {
		if got := jsNumber(tt.in); got != tt.want {
			t.Errorf("jsNumber(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEncodeJSON(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"Scalars", []any{nil, true, false, uint8(3), uint32(4), 2.5, "s"}, `[null,true,false,3,4,2.5,"s"]`},
		{"StringEscapes", "q\" b\\ \b\f\n\r\t \x00\x1f \x7f <>&/ \u2028\u2029 é", "\"q\\\" b\\\\ \\b\\f\\n\\r\\t \\u0000\\u001f \x7f <>&/ \u2028\u2029 é\""},
		{"InvalidUTF8", "a\xffb", "\"a\ufffdb\""},
		{"KeyOrder", newObject("b", 1.0, "10", 2.0, "a", 3.0, "9", 4.0, "01", 5.0, "4294967295", 6.0, "4294967294", 7.0),
			`{"9":4,"10":2,"4294967294":7,"b":1,"a":3,"01":5,"4294967295":6}`},
		{"SetKeepsPlace", func() any { o := newObject("x", 1.0, "y", 2.0); o.set("x", 3.0); return o }(), `{"x":3,"y":2}`},
		{"Nested", newObject("k", []any{newObject("2", "b", "1", "a")}), `{"k":[{"1":"a","2":"b"}]}`},
		{"Empty", &object{}, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := encodeJSON(tt.in); got != tt.want {
				t.Errorf("encodeJSON() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestDecodeMemo(t *testing.T) {
	tests := []struct {
		name, in, want string // want: encodeJSON of the decoded value
	}{
		{"Empty", ``, `{}`},
		{"JSONKeepsOrder", `{"z":1,"a":{"y":"2","b":[1,2]}}`, `{"z":1,"a":{"y":"2","b":[1,2]}}`},
		{"JSONDuplicateKeyFirstPlaceLastValue", `{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`},
		{"JSONNumbersAsJavaScript", `[1.0, 1e3, -0, 12345678901234567890, 1e400]`, `[1,1000,0,12345678901234567000,null]`},
		{"JSONString", `"text"`, `"text"`},
		{"PHPOrderKept", `a:3:{s:1:"z";i:1;s:1:"a";s:1:"x";i:7;b:1;}`, `{"7":true,"z":1,"a":"x"}`},
		{"PHPMultibyteLengthInBytes", `a:1:{s:4:"name";s:12:"南條愛乃";}`, `{"name":"南條愛乃"}`},
		{"PHPBackslashesKept", `a:1:{s:1:"c";s:8:"C:\x41\n";}`, `{"c":"C:\\x41\\n"}`},
		{"PHPQuotesAndSemicolonsInString", `a:1:{s:1:"c";s:6:"a";"}b";}`, `{"c":"a\";\"}b"}`},
		{"PHPScalars", `a:5:{i:0;N;i:1;d:0.5;i:2;b:0;i:3;i:-4;i:4;d:INF;}`, `{"0":null,"1":0.5,"2":false,"3":-4,"4":null}`},
		{"PHPNestedAndEmpty", `a:2:{i:1;a:0:{}i:2;a:1:{s:1:"k";a:1:{i:0;s:0:"";}}}`, `{"1":{},"2":{"k":{"0":""}}}`},
		{"PHPObject", `a:1:{i:1;O:8:"stdClass":1:{s:1:"p";i:1;}}`, `{"1":{"p":1}}`},
		{"PHPRepeatedKeyFirstPlaceLastValue", `a:3:{i:7;s:1:"x";s:1:"b";i:1;s:1:"7";s:1:"y";}`, `{"7":"y","b":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := decodeMemo(tt.in)
			if err != nil {
				t.Fatalf("decodeMemo(%q) error = %v", tt.in, err)
			}
			if got := encodeJSON(v); got != tt.want {
				t.Errorf("decodeMemo(%q) =\n%s\nwant\n%s", tt.in, got, tt.want)
			}
		})
	}
}

func TestDecodeMemo_Errors(t *testing.T) {
	for _, in := range []string{
		`{"a":`,
		`{"a":1} x`,
		`raw status text`,
		`a:`,
		`a:1:{s:1:"a";i:1;`,   // no closing brace
		`a:1:{s:1:"a";i:1;}x`, // trailing data
		`a:1:{s:5:"a";i:1;}`,  // string runs past its quotes
		`a:1:{s:99:"a";i:1;}`, // string runs past the end
		`a:2:{s:1:"a";i:1;}`,  // fewer members than counted
		`a:-1:{}`,             // negative count
		`a:99999999999:{}`,    // absurd count
		`a:1:{s:1:"a";i:x;}`,  // bad integer
		`a:1:{s:1:"a";b:2;}`,  // bad boolean
		`a:1:{s:1:"a";d:x;}`,  // bad float
		`a:1:{s:1:"a";r:1;}`,  // references unsupported
		`a:1:{b:1;i:1;}`,      // boolean key
		`a:1:{s:1:"a";N}`,     // null without ;
		strings.Repeat(`a:1:{i:0;`, 100) + `N;` + strings.Repeat(`}`, 100), // too deep
	} {
		if v, err := decodeMemo(in); err == nil {
			t.Errorf("decodeMemo(%q) = %s, want an error", in, encodeJSON(v))
		}
	}
}

func TestIndexKey(t *testing.T) {
	tests := []struct {
		in     any
		want   string
		wantOK bool
	}{
		{float64(12), "12", true},
		{uint32(7), "7", true},
		{uint8(0), "0", true},
		{"12", "12", true},
		{" 012 ", "12", true},
		{"1e3", "1000", true},
		{"12.0", "12", true},
		{float64(1.5), "", false},
		{float64(-1), "", false},
		{"-1", "", false},
		{"1.5", "", false},
		{"", "", false},
		{"abc", "", false},
		{"0x1F", "", false},
		{"Infinity", "", false},
		{"NaN", "", false},
		{true, "", false},
		{nil, "", false},
		{float64(1 << 60), "", false},
	}
	for _, tt := range tests {
		got, ok := indexKey(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("indexKey(%#v) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}
