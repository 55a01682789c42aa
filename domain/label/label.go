// Package label turns the numeric codes bangumi stores into the labels the
// /v0 API shows (http-v0.md §1.10): subject platforms, staff positions,
// subject relations, character roles and subject type names.
//
// The platform, staff and relation tables come from bangumi's data files
// (pkg/vars *.go.json); tables_gen.go holds the labels they resolve to and is
// regenerated with go generate (the data files live in ../shared, outside the
// module).
package label

import "strconv"

//go:generate go run ./internal/gen -vars ../../../shared/reference/vars -out tables_gen.go

// key indexes the generated tables.
type key struct {
	subjectType uint8
	id          uint16
}

// Platform returns the label of a subject's platform (type_cn, or type when
// type_cn is empty) and whether the pair is known. The label of a known
// platform may be "" (music, platform 0).
func Platform(subjectType uint8, platform uint16) (label string, ok bool) {
	label, ok = platforms[key{subjectType, platform}]
	return label, ok
}

// PlatformJSON returns the subject's "platform" field as the API emits it:
// the label when the platform is known, null (nil) when it is not and the
// subject type is not 0, "" when it is not and the subject type is 0.
func PlatformJSON(subjectType uint8, platform uint16) *string {
	label, ok := Platform(subjectType, platform)
	if !ok && subjectType != 0 {
		return nil
	}
	return &label
}

// Staff returns the label of a person's position in a subject of the given
// type: the first non-empty of cn, jp, en, rdf, or "unknown" for a position
// the data files do not list.
func Staff(subjectType uint8, position uint16) string {
	if label, ok := staffs[key{subjectType, position}]; ok {
		return label
	}
	return "unknown"
}

// Relation returns the label of a subject→subject relation, looked up with
// the destination subject's type. Relation type 1 and relations the data
// files do not list are labelled with the destination's type name
// (SubjectTypeName); a listed relation without any name is
// "unknown(<relationType>)".
func Relation(destSubjectType uint8, relationType uint16) string {
	return relation(relations, destSubjectType, relationType)
}

func relation(table map[key]string, destSubjectType uint8, relationType uint16) string {
	label, ok := table[key{destSubjectType, relationType}]
	switch {
	case !ok || relationType == 1:
		return SubjectTypeName(destSubjectType)
	case label == "":
		return "unknown(" + strconv.FormatUint(uint64(relationType), 10) + ")"
	default:
		return label
	}
}

// CharacterRole returns the label of a character's role in a subject
// (chii_crt_subject_index.crt_type): 1 主角, 2 配角, 3 客串, 4 闲角, 5 旁白,
// 6 声库, anything else "".
func CharacterRole(crtType uint8) string {
	switch crtType {
	case 1:
		return "主角"
	case 2:
		return "配角"
	case 3:
		return "客串"
	case 4:
		return "闲角"
	case 5:
		return "旁白"
	case 6:
		return "声库"
	default:
		return ""
	}
}

// SubjectTypeName returns the name of a subject type: 1 书籍, 2 动画, 3 音乐,
// 4 游戏, 6 三次元, anything else "unknown subject type".
func SubjectTypeName(t uint8) string {
	switch t {
	case 1:
		return "书籍"
	case 2:
		return "动画"
	case 3:
		return "音乐"
	case 4:
		return "游戏"
	case 6:
		return "三次元"
	default:
		return "unknown subject type"
	}
}
