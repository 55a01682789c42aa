package user

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAvatarOf(t *testing.T) {
	for path, want := range map[string]Avatar{
		"": {
			Large:  "https://lain.bgm.tv/pic/user/l/icon.jpg",
			Medium: "https://lain.bgm.tv/r/200/pic/user/l/icon.jpg",
			Small:  "https://lain.bgm.tv/r/100/pic/user/l/icon.jpg",
		},
		"000/38/29/382951.jpg?r=1571167246": {
			Large:  "https://lain.bgm.tv/pic/user/l/000/38/29/382951.jpg?r=1571167246",
			Medium: "https://lain.bgm.tv/r/200/pic/user/l/000/38/29/382951.jpg?r=1571167246",
			Small:  "https://lain.bgm.tv/r/100/pic/user/l/000/38/29/382951.jpg?r=1571167246",
		},
	} {
		if diff := cmp.Diff(want, AvatarOf(path)); diff != "" {
			t.Errorf("AvatarOf(%q) mismatch (-want +got):\n%s", path, diff)
		}
	}
}

func TestAvatar_Select(t *testing.T) {
	a := AvatarOf("a.jpg")
	for size, want := range map[string]string{"large": a.Large, "medium": a.Medium, "small": a.Small} {
		if got, ok := a.Select(size); !ok || got != want {
			t.Errorf("Select(%q) = %q, %v; want %q, true", size, got, ok, want)
		}
	}
	for _, size := range []string{"", "Large", "LARGE", "grid", "common", " large", "large ", "m"} {
		if got, ok := a.Select(size); ok {
			t.Errorf("Select(%q) = %q, true; want false", size, got)
		}
	}
}

func TestUser_Signature(t *testing.T) {
	for stored, want := range map[string]string{
		"": "",
		"o &lt;img src=&quot;#&quot; &gt;&lt;/img&gt;": `o <img src="#" ></img>`,
		"a &amp;amp; b": "a &amp; b", // unescaped once
		"plain 密码:x":    "plain 密码:x",
	} {
		if got := (User{Sign: stored}).Signature(); got != want {
			t.Errorf("Signature() of %q = %q, want %q", stored, got, want)
		}
	}
}

func TestUser_TimeOffsetHours(t *testing.T) {
	for stored, want := range map[string]int8{
		"": 8, "9999": 8, "0": 0, "8": 8, "9": 9, "-5": -5, "+3": 3, "-12": -12,
		"127": 127, "-128": -128, "128": 8, "-129": 8, "abc": 8, "1.5": 8, " 8": 8,
	} {
		if got := (User{TimeOffset: stored}).TimeOffsetHours(); got != want {
			t.Errorf("TimeOffsetHours() of %q = %d, want %d", stored, got, want)
		}
	}
}

func TestUser_URL(t *testing.T) {
	if got := (User{Username: "Sai"}).URL(); got != "https://bgm.tv/user/Sai" {
		t.Errorf("URL() = %q", got)
	}
}

func TestUsernameTooLong(t *testing.T) {
	for name, want := range map[string]bool{
		"":                      false,
		strings.Repeat("a", 31): false,
		strings.Repeat("a", 32): true,
		strings.Repeat("b", 40): true,
		strings.Repeat("树", 10): false, // 30 bytes
		strings.Repeat("树", 11): true,  // 33 bytes, 11 characters: bytes count
	} {
		if got := UsernameTooLong(name); got != want {
			t.Errorf("UsernameTooLong(%q) = %v, want %v", name, got, want)
		}
	}
}
