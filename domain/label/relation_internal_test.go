package label

import "testing"

// TestRelation_Fallbacks covers the rules the real data never reaches (every
// listed relation has a cn name).
func TestRelation_Fallbacks(t *testing.T) {
	t.Parallel()
	table := map[key]string{
		{2, 1}:  "改编",
		{2, 7}:  "",
		{2, 8}:  "相同世界观",
		{9, 10}: "x",
	}
	tests := []struct {
		destType     uint8
		relationType uint16
		want         string
	}{
		{destType: 2, relationType: 1, want: "动画"}, // type 1 even when listed
		{destType: 2, relationType: 7, want: "unknown(7)"},
		{destType: 2, relationType: 8, want: "相同世界观"},
		{destType: 2, relationType: 9, want: "动画"},
		{destType: 9, relationType: 10, want: "x"}, // listed under an unknown subject type
		{destType: 9, relationType: 11, want: "unknown subject type"},
	}
	for _, tt := range tests {
		if got := relation(table, tt.destType, tt.relationType); got != tt.want {
			t.Errorf("relation(%d, %d) = %q, want %q", tt.destType, tt.relationType, got, tt.want)
		}
	}
}
