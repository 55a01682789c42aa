package wiki_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain/wiki"
)

func entry(k, v string) wiki.InfoboxEntry { return wiki.InfoboxEntry{Key: k, Value: v} }
func entries(k string, items ...wiki.Item) wiki.InfoboxEntry {
	if items == nil {
		items = []wiki.Item{}
	}
	return wiki.InfoboxEntry{Key: k, Values: items, Array: true}
}

func TestInfobox(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []wiki.InfoboxEntry
	}{
		{name: "Empty", in: "", want: []wiki.InfoboxEntry{}},
		{name: "NoFields", in: "{{Infobox Crt}}", want: []wiki.InfoboxEntry{}},
		{name: "SyntaxError", in: "{{Infobox\n|a=1\n|b\n}}", want: []wiki.InfoboxEntry{}},
		{name: "NotAWiki", in: "just a summary", want: []wiki.InfoboxEntry{}},
		{name: "NullDropped", in: "{{Infobox\n|a=\n|b=1\n|c=\n}}", want: []wiki.InfoboxEntry{entry("b", "1")}},
		{name: "EmptyArrayDropped", in: "{{Infobox\n|a={\n}\n|b=1\n}}", want: []wiki.InfoboxEntry{entry("b", "1")}},
		{name: "EmptyItemsDropped", in: "{{Infobox\n|a={\n[k|]\n[x]\n[]\n[|y]\n[k2|z]\n}\n}}",
			want: []wiki.InfoboxEntry{entries("a", item("", "x"), item("", "y"), item("k2", "z"))}},
		{name: "AllItemsDroppedKeepsArray", in: "{{Infobox\n|a={\n[k|]\n[]\n}\n|b=1\n}}",
			want: []wiki.InfoboxEntry{entries("a"), entry("b", "1")}},
		{name: "OrderAndDuplicatesKept", in: "{{Infobox\n|a=1\n|b={\n[x]\n}\n|a=2\n|b={\n[y]\n}\n}}",
			want: []wiki.InfoboxEntry{
				entry("a", "1"), entries("b", item("", "x")), entry("a", "2"), entries("b", item("", "y")),
			}},
		// http-v0.md §8.2: "[纯假名|]", "[罗马字|]", "[昵称|]", "[其他名义|]" and "BWH=" are dropped.
		{name: "Character1", in: character1, want: []wiki.InfoboxEntry{
			entry("简体中文名", "鲁路修·兰佩路基"),
			entries("别名",
				item("", "L.L."), item("", "勒鲁什"), item("", "鲁鲁修"), item("", "ゼロ"), item("", "Zero"),
				item("英文名", "Lelouch Lamperouge"), item("第二中文名", "鲁路修·冯·布里塔尼亚"),
				item("英文名二", "Lelouch Vie Britannia"), item("日文名", "ルルーシュ・ヴィ・ブリタニア"),
			),
			entry("性别", "男"), entry("生日", "12月5日"), entry("血型", "A型"),
			entry("身高", "178cm→181cm"), entry("体重", "54kg"), entry("引用来源", "Wikipedia"),
		}},
		// http-v0.md §8.1 (the golden response of GET /v0/subjects/8).
		{name: "Subject8", in: subject8, want: []wiki.InfoboxEntry{
			entry("中文名", "Code Geass 反叛的鲁路修R2"),
			entries("别名",
				item("", "叛逆的鲁路修R2"), item("", "Code Geass: Hangyaku no Lelouch R2"), item("", "叛逆的勒鲁什R2"),
				item("", "叛逆的鲁鲁修R2"), item("", "コードギアス 反逆のルルーシュR2"),
				item("", "Code Geass: Lelouch of the Rebellion R2"), item("", "叛逆的勒路什R2"),
			),
			entry("话数", "25"), entry("放送开始", "2008年4月6日"), entry("官方网站", "http://www.geass.jp/r2/"),
			entry("播放电视台", "每日放送"), entry("播放结束", "2008年9月28日"),
			entry("Copyright", "（C）2006 SUNRISE inc./MBS"), entry("导演", "谷口悟朗"), entry("系列构成", "大河内一楼"),
			entry("人物原案", "CLAMP"), entry("人物设定", "木村貴宏"), entry("美术监督", "菱沼由典"),
			entry("色彩设计", "岩沢れい子"), entry("摄影监督", "大矢創太"), entry("音响监督", "浦上靖夫、井澤基"),
			entry("音乐", "中川幸太郎、黒石ひとみ"), entry("音乐制作", "AUDIO PLANNING U"), entry("动画制作", "サンライズ"),
		}},
		// golden/fixture-adjust.sql, stored with "\r\n".
		{name: "Character90001", in: character90001, want: []wiki.InfoboxEntry{
			entry("简体中文名", "奇偶校验"), entry("性别", "女"), entry("生日", "4月1日"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := wiki.Infobox(tt.in)
			if got == nil {
				t.Fatalf("Infobox(%q) = nil, want non-nil", tt.in)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Infobox(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestInfobox_DoesNotShareFilteredItems(t *testing.T) {
	t.Parallel()
	got := wiki.Infobox("{{Infobox\n|a={\n[x]\n[]\n[y]\n}\n|b={\n[z]\n}\n}}")
	got[0].Values = append(got[0].Values, item("", "appended"))
	if diff := cmp.Diff([]wiki.Item{item("", "z")}, got[1].Values); diff != "" {
		t.Errorf("appending to one entry changed the next one (-want +got):\n%s", diff)
	}
}

func TestInfoboxEntry_MarshalJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []wiki.InfoboxEntry
		want string
	}{
		{name: "Empty", in: []wiki.InfoboxEntry{}, want: `[]`},
		{name: "Scalar", in: []wiki.InfoboxEntry{entry("中文名", "a<b>&\"c\"")},
			want: `[{"key":"中文名","value":"a<b>&\"c\""}]`},
		{name: "Array", in: []wiki.InfoboxEntry{entries("别名", item("", "x"), item("英文名", "y"))},
			want: `[{"key":"别名","value":[{"v":"x"},{"k":"英文名","v":"y"}]}]`},
		{name: "EmptyArray", in: []wiki.InfoboxEntry{entries("a")}, want: `[{"key":"a","value":[]}]`},
		{name: "ArrayWithNilValues", in: []wiki.InfoboxEntry{{Key: "a", Array: true}}, want: `[{"key":"a","value":[]}]`},
		{name: "Infobox", in: wiki.Infobox(character90001),
			want: `[{"key":"简体中文名","value":"奇偶校验"},{"key":"性别","value":"女"},{"key":"生日","value":"4月1日"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(tt.in); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want+"\n", buf.String()); diff != "" {
				t.Errorf("Encode() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInfoboxEntry_MarshalJSON_HonoursHTMLEscaping(t *testing.T) {
	t.Parallel()
	got, err := json.Marshal(entry("k", "<a>"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"key":"k","value":"\u003ca\u003e"}`; string(got) != want {
		t.Errorf("json.Marshal() = %s, want %s", got, want)
	}
}
