package names

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEntity(t *testing.T) {
	for field, want := range map[string]string{
		"eventId":                   "event",
		"registrationId":            "registration",
		"activityBreakAgendaItemId": "activity_break_agenda_item",
		"contactID":                 "contact",
		"URLPathId":                 "url_path",
		"item2Id":                   "item2",
		"user_id":                   "user",
		"airmeet_id":                "airmeet",
		"boothId":                   "booth",
		"BoothID":                   "booth",
		"community_Id":              "community",
	} {
		got, ok := Entity(field)
		require.True(t, ok, field)
		require.Equal(t, want, got, field)
	}
	for _, field := range []string{"Id", "id", "_id", "timestamp", "identity", "paid", "uid"} {
		_, ok := Entity(field)
		require.False(t, ok, field)
	}
}

func TestCacheIsBounded(t *testing.T) {
	t.Cleanup(func() {
		cache.Lock()
		cache.byPlatform, cache.n = map[string]map[string]string{}, 0
		cache.Unlock()
	})
	for i := range maxCached + 100 {
		name, ok := Attribute("p", string(rune('a'+i%26))+string(rune(0x4e00+i))+"Id")
		require.True(t, ok)
		require.True(t, strings.HasPrefix(name, "p."))
	}
	cache.RLock()
	defer cache.RUnlock()
	require.LessOrEqual(t, cache.n, maxCached)
}

func TestAttribute(t *testing.T) {
	for range 2 {
		name, ok := Attribute("eventsair", "activityBreakAgendaItemId")
		require.True(t, ok)
		require.Equal(t, "eventsair.activity_break_agenda_item.id", name)
	}
	_, ok := Attribute("eventsair", "timestamp")
	require.False(t, ok)
	require.Zero(t, testing.AllocsPerRun(100, func() { _, _ = Attribute("airmeet", "boothId") }))
}
