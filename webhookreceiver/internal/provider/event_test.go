package provider

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Filling an event's attributes, the receiver's two included, never regrows
// a map made by NewAttributes. Filled from empty, a map reallocates as it
// grows (to room for 1, 2, 4, 8) where NewAttributes allocated once: three
// allocations more for six entries.
func TestNewAttributesHasRoomForTheRecord(t *testing.T) {
	const own = 4
	keys := []string{"a", "b", "c", "d", "e", "f"}[:own+recordAttributes]
	fill := func(m pcommon.Map) {
		for i, k := range keys {
			m.PutInt(k, int64(i))
		}
	}
	sized := testing.AllocsPerRun(100, func() { fill(NewAttributes(own)) })
	grown := testing.AllocsPerRun(100, func() { fill(NewAttributes(-recordAttributes)) })
	require.Equal(t, grown-3, sized)
}
