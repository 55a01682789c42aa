package wiki_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain/wiki"
)

// character1 is the infobox of character 1 in bangumi's dev dataset (the
// example of http-v0.md §8.2).
const character1 = `{{Infobox Crt
|简体中文名= 鲁路修·兰佩路基
|别名={
[L.L.]
[勒鲁什]
[鲁鲁修]
[ゼロ]
[Zero]
[英文名|Lelouch Lamperouge]
[第二中文名|鲁路修·冯·布里塔尼亚]
[英文名二|Lelouch Vie Britannia]
[日文名|ルルーシュ・ヴィ・ブリタニア]
[纯假名|]
[罗马字|]
[昵称|]
[其他名义|]
}
|性别= 男
|生日= 12月5日
|血型= A型
|身高= 178cm→181cm
|体重= 54kg
|BWH=
|引用来源= Wikipedia
}}`

// subject8 is the infobox of subject 8 in bangumi's dev dataset (the example
// of http-v0.md §8.1).
const subject8 = `{{Infobox animanga/TVAnime
|中文名= Code Geass 反叛的鲁路修R2
|别名={
[叛逆的鲁路修R2]
[Code Geass: Hangyaku no Lelouch R2]
[叛逆的勒鲁什R2]
[叛逆的鲁鲁修R2]
[コードギアス 反逆のルルーシュR2]
[Code Geass: Lelouch of the Rebellion R2]
[叛逆的勒路什R2]
}
|话数= 25
|放送开始= 2008年4月6日
|放送星期=
|官方网站= http://www.geass.jp/r2/
|播放电视台= 每日放送
|其他电视台=
|播放结束= 2008年9月28日
|其他=
|Copyright= （C）2006 SUNRISE inc./MBS
|导演= 谷口悟朗
|系列构成= 大河内一楼
|人物原案= CLAMP
|人物设定= 木村貴宏
|美术监督= 菱沼由典
|色彩设计= 岩沢れい子
|摄影监督= 大矢創太
|音响监督= 浦上靖夫、井澤基
|音乐= 中川幸太郎、黒石ひとみ
|音乐制作= AUDIO PLANNING U
|动画制作= サンライズ
}}`

// character90001 is the NSFW character added by golden/fixture-adjust.sql,
// stored with "\r\n" line breaks.
const character90001 = "{{Infobox Crt\r\n|简体中文名= 奇偶校验\r\n|性别= 女\r\n|生日= 4月1日\r\n}}"

func scalar(k, v string) wiki.Field { return wiki.Field{Key: k, Value: v} }
func null(k string) wiki.Field      { return wiki.Field{Key: k, Null: true} }
func array(k string, items ...wiki.Item) wiki.Field {
	if items == nil {
		items = []wiki.Item{}
	}
	return wiki.Field{Key: k, Array: true, Values: items}
}
func item(k, v string) wiki.Item { return wiki.Item{Key: k, Value: v} }

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want wiki.Wiki
	}{
		{name: "Empty", in: "", want: wiki.Wiki{}},
		{name: "OnlyWhiteSpace", in: " \r\n\t\n\u3000 ", want: wiki.Wiki{}},
		{name: "NoTypeNoFields", in: "{{Infobox\n}}", want: wiki.Wiki{}},
		{name: "Type", in: "{{Infobox Ta\n}}\n", want: wiki.Wiki{Type: "Ta"}},
		{name: "TypeWithSlash", in: "{{Infobox animanga/TVAnime\n|a=b\n}}",
			want: wiki.Wiki{Type: "animanga/TVAnime", Fields: []wiki.Field{scalar("a", "b")}}},
		{name: "TypeTrimmedOfSpacesAndTabs", in: "{{Infobox \t Crt \t\n}}", want: wiki.Wiki{Type: "Crt"}},
		{name: "TypeGluedToPrefix", in: "{{InfoboxCrt\n}}", want: wiki.Wiki{Type: "Crt"}},
		{name: "SingleLine", in: "{{Infobox Crt}}", want: wiki.Wiki{Type: "Crt"}},
		{name: "SingleLineNoType", in: "{{Infobox}}", want: wiki.Wiki{}},
		{name: "SingleLineTypeEndsAtFirstBrace", in: "{{Infobox a}b}}", want: wiki.Wiki{Type: "a"}},
		{name: "SurroundingWhiteSpace", in: "\n\n  {{Infobox Crt\n|a=b\n}}  \n\n",
			want: wiki.Wiki{Type: "Crt", Fields: []wiki.Field{scalar("a", "b")}}},
		{name: "Scalar", in: "{{Infobox\n|a=b\n|d=E\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{scalar("a", "b"), scalar("d", "E")}}},
		{name: "ScalarWithSpaces", in: "{{Infobox\n|A= b\n| d = E\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{scalar("A", "b"), scalar("d", "E")}}},
		{name: "ScalarSplitAtFirstEqualSign", in: "{{Infobox\n|A= b = D\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{scalar("A", "b = D")}}},
		{name: "ScalarLineTrimmed", in: "{{Infobox\n \t|a= b c \t\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{scalar("a", "b c")}}},
		{name: "ScalarKeepsInnerUnicodeSpace", in: "{{Infobox\n|a=\u3000b\u3000\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{scalar("a", "\u3000b\u3000")}}},
		{name: "ScalarEmptyKey", in: "{{Infobox\n|=v\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{scalar("", "v")}}},
		{name: "ScalarBraceNotAlone", in: "{{Infobox\n|a={x\n|b={}\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{scalar("a", "{x"), scalar("b", "{}")}}},
		{name: "ScalarWithPipeAndBrackets", in: "{{Infobox\n|a=[x|y]\n||b=c\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{scalar("a", "[x|y]"), scalar("|b", "c")}}},
		{name: "Null", in: "{{Infobox\n|a=\n| b = \t\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{null("a"), null("b")}}},
		{name: "DuplicateKeysKeptInOrder", in: "{{Infobox\n|a=1\n|b=\n|a=2\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{scalar("a", "1"), null("b"), scalar("a", "2")}}},
		{name: "BlankLinesIgnored", in: "{{Infobox\n\n|a=1\n \t \n\n|b=2\n\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{scalar("a", "1"), scalar("b", "2")}}},
		{name: "Array", in: "{{Infobox\n|A={\n[a]\n[b]\n}\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{array("A", item("", "a"), item("", "b"))}}},
		{name: "ArrayWithNames", in: "{{Infobox\n|A ={\n[a|b]\n[c|d]\n[e]\n}\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{array("A", item("a", "b"), item("c", "d"), item("", "e"))}}},
		{name: "ArrayWithSpacesAndBlankLines", in: "{{Infobox\n| A ={\n\n [a] \n\t[b ]\n\n }\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{array("A", item("", "a"), item("", "b"))}}},
		{name: "ArraySplitAtFirstPipe", in: "{{Infobox\n|A ={\n[a| d| b ]\n}\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{array("A", item("a", "d| b"))}}},
		{name: "ArrayItemContainsClose", in: "{{Infobox\n|A ={\n[a| a sd ]]\n}\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{array("A", item("a", "a sd ]"))}}},
		{name: "ArrayItemContainsOpen", in: "{{Infobox\n|A ={\n[a| a[sd ]\n[[x]\n}\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{array("A", item("a", "a[sd"), item("", "[x"))}}},
		{name: "ArrayEmptyItems", in: "{{Infobox\n|A={\n[]\n[|]\n[ | ]\n[k|]\n[|v]\n}\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{array("A",
				item("", ""), item("", ""), item("", ""), item("k", ""), item("", "v"))}}},
		{name: "ArrayEmpty", in: "{{Infobox\n|A={\n}\n|B= {\n\n}\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{array("A"), array("B")}}},
		{name: "ArrayThenFields", in: "{{Infobox\n|a=1\n|A={\n[x]\n}\n|b=\n|B={\n[k|y]\n}\n|c=3\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{
				scalar("a", "1"), array("A", item("", "x")), null("b"), array("B", item("k", "y")), scalar("c", "3"),
			}}},
		{name: "NullAndArray", in: "{{Infobox\n|a=\n|b=\n|d={\n[b]\n[]\n}\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{null("a"), null("b"), array("d", item("", "b"), item("", ""))}}},
		{name: "CRLF", in: character90001,
			want: wiki.Wiki{Type: "Crt", Fields: []wiki.Field{
				scalar("简体中文名", "奇偶校验"), scalar("性别", "女"), scalar("生日", "4月1日"),
			}}},
		{name: "LoneCRIsKept", in: "{{Infobox\n|a=b\r\r\n}}",
			want: wiki.Wiki{Fields: []wiki.Field{scalar("a", "b\r")}}},
		// Like bangumi's parser, text in front of "}}" on the last line is
		// not read.
		{name: "LastLineNotRead", in: "{{Infobox\n|a=1\n|b=2}}",
			want: wiki.Wiki{Fields: []wiki.Field{scalar("a", "1")}}},
		{name: "SecondLineIsLast", in: "{{Infobox T\nanything}}", want: wiki.Wiki{Type: "T"}},
		{name: "Character1", in: character1, want: wiki.Wiki{Type: "Crt", Fields: []wiki.Field{
			scalar("简体中文名", "鲁路修·兰佩路基"),
			array("别名",
				item("", "L.L."), item("", "勒鲁什"), item("", "鲁鲁修"), item("", "ゼロ"), item("", "Zero"),
				item("英文名", "Lelouch Lamperouge"), item("第二中文名", "鲁路修·冯·布里塔尼亚"),
				item("英文名二", "Lelouch Vie Britannia"), item("日文名", "ルルーシュ・ヴィ・ブリタニア"),
				item("纯假名", ""), item("罗马字", ""), item("昵称", ""), item("其他名义", ""),
			),
			scalar("性别", "男"), scalar("生日", "12月5日"), scalar("血型", "A型"),
			scalar("身高", "178cm→181cm"), scalar("体重", "54kg"), null("BWH"), scalar("引用来源", "Wikipedia"),
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := wiki.Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParse_Errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		reason error
		line   int
		text   string
	}{
		{name: "MissingPrefix", in: "{{\n|A= b\n|d = E\n}}",
			reason: wiki.ErrMissingPrefix, line: 1, text: "{{"},
		{name: "PrefixIsCaseSensitive", in: "{{InfoBox\n|A= b\n}}",
			reason: wiki.ErrMissingPrefix, line: 1, text: "{{InfoBox"},
		{name: "MissingPrefixAfterBlankLines", in: "\n\n  text\n}}",
			reason: wiki.ErrMissingPrefix, line: 3, text: "text"},
		{name: "MissingSuffix", in: "{{Infobox\n|A= b\n|d = E\n",
			reason: wiki.ErrMissingSuffix, line: 3, text: "|d = E"},
		{name: "MissingSuffixSingleLine", in: "{{Infobox Crt}",
			reason: wiki.ErrMissingSuffix, line: 1, text: "{{Infobox Crt}"},
		{name: "MissingEqualSign", in: "{{Infobox\n|a=1\n|b\n}}",
			reason: wiki.ErrMissingEqualSign, line: 3, text: "|b"},
		{name: "ValueOnNextLine", in: "{{Infobox\n|A=\nb\n}}",
			reason: wiki.ErrExpectingField, line: 3, text: "b"},
		{name: "TextBeforeFirstField", in: "{{Infobox\ntext\n|a=b\n}}",
			reason: wiki.ErrExpectingField, line: 2, text: "text"},
		{name: "CloseBraceOutsideArray", in: "{{Infobox\n|a=b\n}\n}}",
			reason: wiki.ErrExpectingField, line: 3, text: "}"},
		{name: "ItemOutsideArray", in: "{{Infobox\n|a=b\n[x]\n}}",
			reason: wiki.ErrExpectingField, line: 3, text: "[x]"},
		{name: "EarlyClose", in: "{{Infobox\n}}\n|a=b\n}}",
			reason: wiki.ErrExpectingField, line: 2, text: "}}"},
		{name: "NonSpaceWhiteSpaceLine", in: "{{Infobox\n|a=b\n\u3000\n}}",
			reason: wiki.ErrExpectingField, line: 3, text: "\u3000"},
		{name: "ItemNoBracket", in: "{{Infobox\n| d = {\na\n}\n}}",
			reason: wiki.ErrItemNotWrapped, line: 3, text: "a"},
		{name: "ItemNoClosingBracket", in: "{{Infobox\n|d={\n[a\n}\n}}",
			reason: wiki.ErrItemNotWrapped, line: 3, text: "[a"},
		{name: "ItemLoneBracket", in: "{{Infobox\n|d={\n[\n}\n}}",
			reason: wiki.ErrItemNotWrapped, line: 3, text: "["},
		{name: "ItemLoneClosingBracket", in: "{{Infobox\n|d={\n]\n}\n}}",
			reason: wiki.ErrItemNotWrapped, line: 3, text: "]"},
		{name: "ArrayClosedByClosingLine", in: "{{Infobox\n| d = {\n[a]\n}}",
			reason: wiki.ErrArrayNotClosed, line: 4, text: "}}"},
		{name: "ArrayClosedByClosingLineCRLF", in: "\r\n{{Infobox\r\n| d = {\r\n[a]\r\n\r\n}}\r\n",
			reason: wiki.ErrArrayNotClosed, line: 6, text: "}}"},
		{name: "ArrayInterruptedByField", in: "{{Infobox\n| d = {\n[a]\n|v=1\n}}",
			reason: wiki.ErrArrayNotClosed, line: 4, text: "|v=1"},
		{name: "ArrayOpenedOnSecondToLastLine", in: "{{Infobox\n|a={\n}}",
			reason: wiki.ErrArrayNotClosed, line: 3, text: "}}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := wiki.Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want error", tt.in, got)
			}
			if diff := cmp.Diff(wiki.Wiki{}, got); diff != "" {
				t.Errorf("Parse(%q) returned a non-zero Wiki with its error (-want +got):\n%s", tt.in, diff)
			}
			var se *wiki.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %T %v, want *wiki.SyntaxError", tt.in, err, err)
			}
			want := wiki.SyntaxError{Line: tt.line, Text: tt.text, Err: tt.reason}
			if diff := cmp.Diff(want, *se, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
				t.Errorf("Parse(%q) error mismatch (-want +got):\n%s", tt.in, diff)
			}
			if !errors.Is(err, wiki.ErrSyntax) || !errors.Is(err, tt.reason) {
				t.Errorf("errors.Is(%v, ErrSyntax / %v) = false, want true", err, tt.reason)
			}
		})
	}
}

func TestSyntaxError_Error(t *testing.T) {
	t.Parallel()
	_, err := wiki.Parse("{{Infobox\n|a=1\n|b\n}}")
	const want = `wiki: line 3: missing "=" between field name and value: "|b"`
	if err == nil || err.Error() != want {
		t.Errorf("Parse() error = %v, want %s", err, want)
	}
}

func TestErrSyntax_IsNotAReason(t *testing.T) {
	t.Parallel()
	reasons := []error{
		wiki.ErrMissingPrefix, wiki.ErrMissingSuffix, wiki.ErrArrayNotClosed,
		wiki.ErrItemNotWrapped, wiki.ErrExpectingField, wiki.ErrMissingEqualSign,
	}
	for i, a := range reasons {
		if !errors.Is(a, wiki.ErrSyntax) {
			t.Errorf("errors.Is(%v, ErrSyntax) = false", a)
		}
		for j, b := range reasons {
			if got := errors.Is(a, b); got != (i == j) {
				t.Errorf("errors.Is(%v, %v) = %v", a, b, got)
			}
		}
	}
	if errors.Is(errors.New("other"), wiki.ErrSyntax) {
		t.Error("an unrelated error matches ErrSyntax")
	}
}

func TestParse_CRLFSameAsLF(t *testing.T) {
	t.Parallel()
	for _, in := range []string{character1, subject8, "{{Infobox\n|a={\n[x]\n|b=1\n}}"} {
		lf, lfErr := wiki.Parse(in)
		crlf, crlfErr := wiki.Parse(strings.ReplaceAll(in, "\n", "\r\n"))
		if diff := cmp.Diff(lf, crlf); diff != "" {
			t.Errorf("CRLF result differs (-lf +crlf):\n%s", diff)
		}
		if diff := cmp.Diff(lfErr, crlfErr); diff != "" {
			t.Errorf("CRLF error differs (-lf +crlf):\n%s", diff)
		}
	}
}

func TestParse_ArrayValuesDoNotAlias(t *testing.T) {
	t.Parallel()
	w, err := wiki.Parse("{{Infobox\n|A={\n[a]\n}\n|B={\n[b]\n}\n}}")
	if err != nil {
		t.Fatal(err)
	}
	w.Fields[0].Values = append(w.Fields[0].Values, wiki.Item{Value: "appended"})
	if diff := cmp.Diff([]wiki.Item{item("", "b")}, w.Fields[1].Values); diff != "" {
		t.Errorf("appending to one array changed the next one (-want +got):\n%s", diff)
	}
}
