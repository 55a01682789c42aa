package httpapi

import "github.com/bangumi/chii/domain/label"

// The label helpers in one place, so the response mapping reads the same everywhere.

// platform is the subject's platform label: found → its label; unknown → null, except
// for subject type 0 where it is "" (http-v0.md §1.10).
func platform(subjectType uint8, id uint16) *string { return label.PlatformJSON(subjectType, id) }

// staffLabel is a person's position on a subject of the given type ("unknown" fallback).
func staffLabel(subjectType uint8, position uint16) string { return label.Staff(subjectType, position) }

// relationLabel names a subject relation, looked up with the destination's type.
func relationLabel(destType uint8, relationType uint16) string {
	return label.Relation(destType, relationType)
}

// characterRoleLabel names a character's role in a subject (主角, 配角…; "" when unknown).
func characterRoleLabel(t uint8) string { return label.CharacterRole(t) }
