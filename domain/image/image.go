// Package image computes bangumi's image URLs from the relative paths stored in the database.
package image

// Default is the image a redirect points to when the selected size has no URL.
const Default = "https://lain.bgm.tv/img/no_icon_subject.png"

const (
	coverLarge = "https://lain.bgm.tv/pic/cover/l/"
	crtLarge   = "https://lain.bgm.tv/pic/crt/l/"
)

// Subject holds the five sizes of a subject cover.
type Subject struct {
	Large, Common, Medium, Small, Grid string
}

// Person holds the four sizes of a person or character picture.
type Person struct {
	Large, Medium, Small, Grid string
}

// ForSubject builds subject cover URLs; an empty path gives empty URLs.
func ForSubject(path string) Subject {
	if path == "" {
		return Subject{}
	}
	return Subject{
		Large:  coverLarge + path,
		Common: "https://lain.bgm.tv/r/400/pic/cover/l/" + path,
		Medium: "https://lain.bgm.tv/r/800/pic/cover/l/" + path,
		Small:  "https://lain.bgm.tv/r/200/pic/cover/l/" + path,
		Grid:   "https://lain.bgm.tv/r/100/pic/cover/l/" + path,
	}
}

// ForPerson builds person/character URLs; the path may carry a query and is kept verbatim.
func ForPerson(path string) Person {
	if path == "" {
		return Person{}
	}
	return Person{
		Large:  crtLarge + path,
		Medium: "https://lain.bgm.tv/r/400/pic/crt/l/" + path,
		Small:  "https://lain.bgm.tv/r/100/pic/crt/l/" + path,
		Grid:   "https://lain.bgm.tv/pic/crt/g/" + path,
	}
}

// Select returns the URL of a subject size (small, grid, large, medium, common).
// ok is false for an unknown size. An empty URL is replaced by Default.
func (s Subject) Select(size string) (url string, ok bool) {
	switch size {
	case "small":
		url = s.Small
	case "grid":
		url = s.Grid
	case "large":
		url = s.Large
	case "medium":
		url = s.Medium
	case "common":
		url = s.Common
	default:
		return "", false
	}
	return orDefault(url), true
}

// Select returns the URL of a person size (small, grid, large, medium).
func (p Person) Select(size string) (url string, ok bool) {
	switch size {
	case "small":
		url = p.Small
	case "grid":
		url = p.Grid
	case "large":
		url = p.Large
	case "medium":
		url = p.Medium
	default:
		return "", false
	}
	return orDefault(url), true
}

func orDefault(url string) string {
	if url == "" {
		return Default
	}
	return url
}
