// Package collect holds a user's collections of characters and persons (chii_person_collects).
package collect

import (
	"time"

	"github.com/bangumi/chii/domain/mono"
)

// MonoCollect is one row of chii_person_collects: user UserID collected the character or person TargetID.
type MonoCollect struct {
	ID        uint32
	Category  mono.Category
	TargetID  uint32
	UserID    uint32
	CreatedAt time.Time
}
