package user

import (
	"html"
	"strconv"
)

// MaxUsernameBytes is the first username length, in bytes, that bangumi refuses before any
// lookup ("username is too long"); the column itself holds 15 characters.
const MaxUsernameBytes = 32

// UsernameTooLong reports whether username is refused before it is looked up.
func UsernameTooLong(username string) bool { return len(username) >= MaxUsernameBytes }

// DefaultAvatar is the avatar path of a member who set none.
const DefaultAvatar = "icon.jpg"

const avatarBase = "https://lain.bgm.tv/pic/user/l/"

// Avatar holds the three sizes of a member's avatar.
type Avatar struct {
	Large, Medium, Small string
}

// AvatarOf builds the avatar URLs of a stored avatar path; "" is the default avatar. The path
// is kept verbatim, query string included (bangumi stores "000/38/29/382951.jpg?r=1571167246").
func AvatarOf(path string) Avatar {
	if path == "" {
		path = DefaultAvatar
	}
	return Avatar{
		Large:  avatarBase + path,
		Medium: "https://lain.bgm.tv/r/200/pic/user/l/" + path,
		Small:  "https://lain.bgm.tv/r/100/pic/user/l/" + path,
	}
}

// Select returns the URL of one size: exactly "large", "medium" or "small"; ok is false for
// anything else (no default size, whatever bangumi's OpenAPI document says).
func (a Avatar) Select(size string) (url string, ok bool) {
	switch size {
	case "large":
		return a.Large, true
	case "medium":
		return a.Medium, true
	case "small":
		return a.Small, true
	}
	return "", false
}

// URL is the member's page on bgm.tv, with the stored spelling of the username.
func (u User) URL() string { return "https://bgm.tv/user/" + u.Username }

// Signature is the signature as written: the stored value is HTML-escaped.
func (u User) Signature() string { return html.UnescapeString(u.Sign) }

// DefaultTimeOffset is the time offset, in hours, of a member who set none (UTC+8).
const DefaultTimeOffset = 8

// TimeOffsetHours reads the stored time offset: "" and "9999" (not set) are 8; otherwise a
// signed 8-bit decimal integer, and anything that is not one is 8 as well.
func (u User) TimeOffsetHours() int8 {
	if u.TimeOffset == "" || u.TimeOffset == "9999" {
		return DefaultTimeOffset
	}
	v, err := strconv.ParseInt(u.TimeOffset, 10, 8)
	if err != nil {
		return DefaultTimeOffset
	}
	return int8(v)
}
